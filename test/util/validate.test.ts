import { expectValidManifests, problemsOf } from './validate';

describe('manifest validation helper', () => {
  test('accepts a valid core object and refuses a wrong type', () => {
    expect(problemsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } })).toEqual([]);
    expect(problemsOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { replicas: 'three' } }).length).toBeGreaterThan(0);
  });

  test('refuses unknown fields in custom resources (the API server would prune them)', () => {
    const good = {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterSPIFFEID',
      metadata: { name: 'x' },
      spec: { spiffeIDTemplate: 'spiffe://td/ns/a/sa/b' },
    };
    expect(problemsOf(good)).toEqual([]);
    const typo = { ...good, spec: { spiffeIdTemplate: 'x', spiffeIDTemplate: 'y' } };
    expect(problemsOf(typo).join()).toMatch(/spiffeIdTemplate/);
    expect(problemsOf({ ...good, spec: {} }).join()).toMatch(/spiffeIDTemplate/);
  });

  test('refuses kinds it has no schema for', () => {
    expect(() => expectValidManifests([{ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' } }])).toThrow(/no schema known/);
  });
});
