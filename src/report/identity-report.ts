import { KubeObject } from '../checklist/rule';

/** One identity in the report. */
export interface ReportedIdentity {
  readonly spiffeId: string;
  /** `ClusterSPIFFEID` or `ClusterStaticEntry`, and its name. */
  readonly source: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Other pins (pod labels, container, static selectors). */
  readonly pins: string[];
  readonly x509SvidTtl: string;
  readonly jwtSvidTtl: string;
  readonly dnsNames: string[];
  readonly federatesWith: string[];
  /** Written exceptions (broad selector, long TTL, admin, downstream). */
  readonly exceptions: Record<string, string>;
}

/** One allowed call in the report. */
export interface ReportedCall {
  readonly caller: string;
  readonly callee: string;
  readonly methods: string[];
  readonly paths: string[];
  readonly ports: number[];
  readonly stage: string;
  readonly mesh: string;
}

/** What `identities.json` holds. */
export interface IdentityReport {
  readonly identities: ReportedIdentity[];
  readonly calls: ReportedCall[];
}

const EXCEPTIONS = 'spire-constructs.io/exceptions';

/** Builds the identity report from rendered manifests (ClusterSPIFFEIDs, static entries, allowlists). */
export function buildIdentityReport(objects: ReadonlyArray<KubeObject>): IdentityReport {
  const identities: ReportedIdentity[] = [];
  const calls: ReportedCall[] = [];
  for (const o of objects as any[]) {
    const exceptions = o.metadata?.annotations?.[EXCEPTIONS] ? JSON.parse(o.metadata.annotations[EXCEPTIONS]) : {};
    if (o.kind === 'ClusterSPIFFEID') {
      const s = o.spec ?? {};
      const selectors: string[] = s.workloadSelectorTemplates ?? [];
      const pick = (prefix: string) => selectors.find((x) => x.startsWith(prefix))?.slice(prefix.length);
      identities.push({
        spiffeId: s.spiffeIDTemplate,
        source: `ClusterSPIFFEID ${o.metadata?.name}`,
        namespace: pick('k8s:ns:') ?? s.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? '*',
        serviceAccount: pick('k8s:sa:') ?? '*',
        pins: selectors.filter((x) => !x.startsWith('k8s:ns:') && !x.startsWith('k8s:sa:')),
        x509SvidTtl: s.ttl ?? 'server default',
        jwtSvidTtl: s.jwtTtl ?? 'server default',
        dnsNames: s.dnsNameTemplates ?? [],
        federatesWith: s.federatesWith ?? [],
        exceptions,
      });
    } else if (o.kind === 'ClusterStaticEntry') {
      const s = o.spec ?? {};
      identities.push({
        spiffeId: s.spiffeID,
        source: `ClusterStaticEntry ${o.metadata?.name}`,
        namespace: '-',
        serviceAccount: '-',
        pins: [...(s.selectors ?? []), `parent ${s.parentID}`],
        x509SvidTtl: s.x509SVIDTTL ?? 'server default',
        jwtSvidTtl: s.jwtSVIDTTL ?? 'server default',
        dnsNames: s.dnsNames ?? [],
        federatesWith: s.federatesWith ?? [],
        exceptions,
      });
    } else if (o.kind === 'ConfigMap' && typeof o.data?.['allowed-callers.json'] === 'string') {
      const list = JSON.parse(o.data['allowed-callers.json']);
      for (const rule of list.rules ?? []) {
        for (const caller of rule.callers) {
          calls.push({ caller, callee: list.callee, methods: rule.methods, paths: rule.paths, ports: rule.ports, stage: list.stage ?? '?', mesh: list.mesh ?? '?' });
        }
      }
    }
  }
  identities.sort((a, b) => a.spiffeId.localeCompare(b.spiffeId));
  calls.sort((a, b) => `${a.callee} ${a.caller} ${a.paths}`.localeCompare(`${b.callee} ${b.caller} ${b.paths}`));
  return { identities, calls };
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const short = (id: string) => id.replace(/^spiffe:\/\/[^/]+/, '');

/** `identities.md`: identities, allowed calls and a Mermaid graph of who may call whom. */
export function renderIdentityMarkdown(report: IdentityReport, title = 'Workload identities'): string {
  const lines = [`# ${title}`, '', `${report.identities.length} identities, ${report.calls.length} allowed calls.`, '', '## Identities', ''];
  lines.push('| SPIFFE ID | namespace | service account | other pins | X509-SVID TTL | JWT-SVID TTL | DNS names | federates with | acknowledged exceptions |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const i of report.identities) {
    const exc = Object.entries(i.exceptions).map(([k, v]) => `${k}: ${v}`).join('; ');
    lines.push(
      `| \`${i.spiffeId}\` | ${i.namespace} | ${i.serviceAccount} | ${cell(i.pins.join(', ')) || '-'} | ${i.x509SvidTtl} | ${i.jwtSvidTtl} | ${i.dnsNames.join(', ') || '-'} | ${i.federatesWith.join(', ') || '-'} | ${cell(exc) || '-'} |`,
    );
  }
  lines.push('', '## Allowed calls', '');
  if (report.calls.length === 0) {
    lines.push('No mesh policy declared.');
  } else {
    lines.push('| caller | callee | methods | paths | ports | stage | mesh |', '|---|---|---|---|---|---|---|');
    for (const c of report.calls) {
      lines.push(`| \`${c.caller}\` | \`${c.callee}\` | ${c.methods.join(', ')} | ${c.paths.map((p) => `\`${p}\``).join(', ')} | ${c.ports.join(', ')} | ${c.stage} | ${c.mesh} |`);
    }
    lines.push('', '## Who may call whom', '', '```mermaid', 'graph LR');
    const nodes = new Map<string, string>();
    const node = (id: string) => {
      if (!nodes.has(id)) nodes.set(id, `n${nodes.size}`);
      return nodes.get(id)!;
    };
    const edges: string[] = [];
    for (const c of report.calls) {
      edges.push(`  ${node(c.caller)} -->|"${c.methods.join(',')} ${c.paths.join(' ')}"| ${node(c.callee)}`);
    }
    for (const [id, n] of nodes) lines.push(`  ${n}["${short(id)}"]`);
    lines.push(...edges, '```');
  }
  return lines.join('\n') + '\n';
}
