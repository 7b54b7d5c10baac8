import { containersOf, workloads } from '../../inspect';
import { Level, Rule } from '../../rule';

export const pinnedImages: Rule = {
  id: 'SPIRE-SEC2',
  level: Level.ERROR,
  title: 'Every image is pinned to a version or digest (never latest).',
  reason: 'An unpinned image changes under you: what was reviewed is not what runs.',
  fix: 'Use an explicit version tag or an @sha256 digest.',
  check: (objects) =>
    workloads(objects).flatMap((w) =>
      containersOf(w.podSpec)
        .filter((c) => {
          const image: string = c.image ?? '';
          if (image.includes('@sha256:')) return false;
          const slash = image.lastIndexOf('/');
          const colon = image.lastIndexOf(':');
          return colon <= slash || image.slice(colon + 1) === 'latest';
        })
        .map((c) => ({ object: w.name, message: `container ${c.name} uses unpinned image ${JSON.stringify(c.image ?? '')}.` })),
    ),
};
