import { ApiObject, App, Chart, Lazy, Testing } from 'cdk8s';
import { ANY, Checklist, ChecklistChart, expectChecklist, PostgresDatabase, ServerDatabase, SpiffeIdScheme, SpireStack, TrustDomain, WorkloadIdentity } from '../../src';
import { Finding, formatFindings, runChecklist } from '../../src/checklist/engine';
import { KubeObject, Level } from '../../src/checklist/rule';
import { RULES } from '../../src/checklist/rules';

function devStack(app: App = Testing.app()) {
  const chart = new Chart(app, 'dev');
  const stack = new SpireStack(chart, 'spire', {
    trustDomain: TrustDomain.of('dev.example.com'),
    clusterName: 'dev',
    database: ServerDatabase.sqlite(),
    server: { replicas: 1 },
  });
  return { app, chart, stack };
}

describe('Checklist at synth', () => {
  test('unacknowledged ERROR findings fail cdk8s synth, listing every finding with its fix', () => {
    const { app } = devStack();
    let message = '';
    try {
      app.synthYaml();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Production checklist: 2 finding(s) must be fixed or acknowledged');
    expect(message).toContain("SPIRE-SRV1 ERROR StatefulSet spire-server/spire-server: runs 1 SPIRE server replica(s); at least 3 are needed for HA. Fix: Set 'replicas' to 3 or more");
    expect(message).toContain('SPIRE-DS1 ERROR ConfigMap spire-server/spire-server');
    expect(message).toContain('SPIRE-CA1 WARN');
  });

  test('acknowledgements on a parent are inherited, shown in the findings, and let synth pass', () => {
    const { app, chart, stack } = devStack();
    Checklist.acknowledge(chart, 'SPIRE-SRV1', 'development cluster, one replica');
    Checklist.acknowledge(stack.server, 'SPIRE-DS1', 'development cluster, SQLite');
    expect(() => app.synthYaml()).not.toThrow();
    const findings = Checklist.evaluate(chart);
    expect(findings.find((f) => f.ruleId === 'SPIRE-SRV1')?.acknowledged).toBe('development cluster, one replica');
    expect(findings.find((f) => f.ruleId === 'SPIRE-DS1')?.acknowledged).toBe('development cluster, SQLite');
    expect(findings.find((f) => f.ruleId === 'SPIRE-CA1')?.acknowledged).toBeUndefined();
  });

  test('an acknowledgement on a sibling does not apply', () => {
    const { chart, stack } = devStack();
    Checklist.acknowledge(stack.agent, 'SPIRE-SRV1', 'this is the wrong construct');
    expect(Checklist.evaluate(chart).find((f) => f.ruleId === 'SPIRE-SRV1')?.acknowledged).toBeUndefined();
  });

  test('acknowledgements need a known rule and a reason of at least 10 characters', () => {
    const { chart } = devStack();
    expect(() => Checklist.acknowledge(chart, 'SPIRE-XYZ9', 'because we said so')).toThrow(/Invalid 'ruleId': received "SPIRE-XYZ9". Use a rule id of the checklist/);
    expect(() => Checklist.acknowledge(chart, 'SPIRE-SRV1', 'short')).toThrow("Invalid 'reason': received \"short\". Give a written reason of at least 10 characters.");
  });

  test('strict mode also fails on WARN findings', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'prod');
    new SpireStack(chart, 'spire', { trustDomain: TrustDomain.of('p.example.com'), clusterName: 'p', database: PostgresDatabase.cloudNativePg(), checklist: false });
    Checklist.enable(chart, { strict: true });
    expect(() => app.synthYaml()).toThrow(/SPIRE-CA1 WARN/);
  });

  test('written identity exceptions acknowledge their rule', () => {
    const { chart, stack } = devStack();
    new WorkloadIdentity(chart, 'batch', {
      server: stack.server,
      namespace: 'batch',
      serviceAccount: ANY,
      allowBroadSelector: 'legacy batch namespace with generated SAs',
      idScheme: SpiffeIdScheme.fixedPath('/batch'),
    });
    const f = Checklist.evaluate(chart).find((x) => x.ruleId === 'SPIRE-ID1');
    expect(f?.acknowledged).toBe('legacy batch namespace with generated SAs');
  });
});

describe('expectChecklist', () => {
  test('passes on a compliant chart and fails with the rule message when a selector is loosened', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'prod');
    new SpireStack(chart, 'spire', { trustDomain: TrustDomain.of('p.example.com'), clusterName: 'p', database: PostgresDatabase.cloudNativePg() });
    expect(() => expectChecklist(chart).toPass()).not.toThrow();
    const { chart: dev } = devStack();
    expect(() => expectChecklist(dev).toPass()).toThrow(/Production checklist failed for chart 'dev':\n {2}SPIRE-SRV1 ERROR/);
  });
});

describe('The checklist as an explicit synth step', () => {
  const dev = { trustDomain: TrustDomain.of('dev.example.com'), clusterName: 'dev', database: ServerDatabase.sqlite(), server: { replicas: 1 } };

  test('ChecklistChart: its rendering runs the checklist over exactly what it rendered, once', () => {
    const app = Testing.app();
    const chart = new ChecklistChart(app, 'prod');
    new SpireStack(chart, 'spire', { trustDomain: TrustDomain.of('p.example.com'), clusterName: 'p', database: PostgresDatabase.cloudNativePg() });
    let renders = 0;
    new ApiObject(chart, 'probe', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: 'default' }, data: { n: Lazy.any({ produce: () => String(++renders) }) } });
    app.synth();
    expect(renders).toBe(1);
    expect(Checklist.lastRun(chart)?.objects.find((o) => o.metadata?.name === 'probe')?.data).toEqual({ n: '1' });
    expect(Object.prototype.hasOwnProperty.call(chart, 'toJson')).toBe(false);
  });

  test('ChecklistChart: blocking findings fail its rendering', () => {
    const chart = new ChecklistChart(Testing.app(), 'dev');
    new SpireStack(chart, 'spire', { ...dev, checklist: false });
    expect(() => chart.toJson()).toThrow(/Production checklist: 2 finding\(s\) must be fixed or acknowledged.*SPIRE-SRV1 ERROR/s);
  });

  test('any other chart: Checklist.enable adds a validation (cdk8s\'s synth hook), the chart\'s toJson is its own', () => {
    const { app, chart } = devStack();
    expect(Checklist.isEnabled(chart)).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(chart, 'toJson')).toBe(false);
    expect(chart.node.validate()[0]).toMatch(/^Production checklist: 2 finding\(s\)/);
    expect(() => app.synthYaml()).toThrow(/Validation failed with the following errors:\n {2}\[dev\] Production checklist/);
  });
});

describe('Blocking findings are listed first, acknowledged ones after under their own heading', () => {
  test('Checklist.check: the blocking finding before every acknowledged one', () => {
    const { app, chart } = devStack();
    // SPIRE-SRV1 comes first in rule order; acknowledged, it must come after the blocking SPIRE-DS1.
    Checklist.acknowledge(chart, 'SPIRE-SRV1', 'development cluster, one replica');
    let message = '';
    try {
      app.synthYaml();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Production checklist: 1 finding(s) must be fixed or acknowledged');
    const ds1 = message.indexOf('SPIRE-DS1 ERROR');
    const heading = message.indexOf('Acknowledged (not blocking):');
    const srv1 = message.indexOf('SPIRE-SRV1 ERROR');
    expect(ds1).toBeGreaterThan(0);
    expect(heading).toBeGreaterThan(ds1);
    expect(srv1).toBeGreaterThan(heading);
    expect(message).toContain('SPIRE-SRV1 ERROR StatefulSet spire-server/spire-server: runs 1 SPIRE server replica(s); at least 3 are needed for HA. (acknowledged: development cluster, one replica)');
    // The WARN findings that do not block come between, under their own heading.
    expect(message.indexOf('Not blocking:')).toBeGreaterThan(ds1);
    expect(message.indexOf('Not blocking:')).toBeLessThan(heading);
  });

  test('formatFindings: blocking, then open not blocking, then acknowledged', () => {
    const f = (ruleId: string, level: Level, acknowledged?: string): Finding => ({
      ruleId, level, object: 'X a/b', message: 'm.', title: 't', reason: 'r', fix: 'f.', ...(acknowledged ? { acknowledged } : {}),
    });
    const lines = formatFindings([f('A', Level.ERROR, 'because of reasons'), f('B', Level.WARN), f('C', Level.ERROR)], false, '  ');
    expect(lines).toEqual([
      '  C ERROR X a/b: m. Fix: f.',
      'Not blocking:',
      '  B WARN X a/b: m. Fix: f.',
      'Acknowledged (not blocking):',
      '  A ERROR X a/b: m. (acknowledged: because of reasons)',
    ]);
    expect(formatFindings([f('B', Level.WARN)], true)).toEqual(['B WARN X a/b: m. Fix: f.']);
  });
});

describe('Fixes name this library\'s props only for its own manifests', () => {
  const helmServer = (labels: Record<string, string>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'spire-server', namespace: 'spire-server', labels },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'spire-server', image: 'ghcr.io/spiffe/spire-server:1.15.3' }] } } },
  });
  const srv1 = (objects: KubeObject[], origin?: 'spire-constructs' | 'other' | 'auto') => runChecklist(objects, { origin }).find((x) => x.ruleId === 'SPIRE-SRV1')!;

  test('Helm output (managed-by Helm) and unlabelled manifests get the neutral fix: the Kubernetes/SPIRE field', () => {
    for (const labels of [{ 'app.kubernetes.io/managed-by': 'Helm' }, {}] as Array<Record<string, string>>) {
      const f = srv1([helmServer(labels)]);
      expect(f.fix).toBe("Set the SPIRE server StatefulSet's (or Deployment's) spec.replicas to 3 or more, with a shared SQL datastore (server.conf plugins.DataStore sql: postgres or mysql).");
      expect(f.fix).not.toContain("'replicas'");
    }
  });

  test('manifests labelled managed-by spire-constructs get the fix in this library\'s props; a Helm object among them gets the neutral one', () => {
    expect(srv1([helmServer({ 'app.kubernetes.io/managed-by': 'spire-constructs' })]).fix).toBe("Set 'replicas' to 3 or more (with a shared Postgres datastore).");
    const ours: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { 'app.kubernetes.io/managed-by': 'spire-constructs' } } };
    expect(srv1([ours, helmServer({ 'app.kubernetes.io/managed-by': 'Helm' })]).fix).toMatch(/^Set the SPIRE server StatefulSet's/);
    expect(srv1([ours, helmServer({})]).fix).toBe("Set 'replicas' to 3 or more (with a shared Postgres datastore).");
    expect(srv1([helmServer({})], 'spire-constructs').fix).toBe("Set 'replicas' to 3 or more (with a shared Postgres datastore).");
  });

  test('synth (a chart of this library) prints the library\'s fixes even for objects without the label', () => {
    const { chart } = devStack();
    expect(Checklist.evaluate(chart).find((x) => x.ruleId === 'SPIRE-SRV1')?.fix).toBe("Set 'replicas' to 3 or more (with a shared Postgres datastore).");
  });

  test('every rule whose fix names this library\'s API has a neutral fix that names none of it', () => {
    const api = /WorkloadIdentity|SpireServer|SpireAgent|SpireStack|MeshPolicy|RolloutStage|Mesh\.|PostgresDatabase|UpstreamAuthority\.|KubeletVerification|NodeAttestor\.|ApiServerAccess|\bAntiAffinity\.|'[a-zA-Z]+'|bind\(\)|acknowledge/;
    for (const rule of RULES) {
      if (api.test(rule.fix)) expect({ id: rule.id, neutralFix: rule.neutralFix }).toEqual({ id: rule.id, neutralFix: expect.any(String) });
      if (rule.neutralFix !== undefined) expect({ id: rule.id, names: api.exec(rule.neutralFix)?.[0] }).toEqual({ id: rule.id, names: undefined });
    }
  });
});
