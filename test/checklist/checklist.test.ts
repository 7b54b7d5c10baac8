import { ApiObject, App, Chart, Lazy, Testing } from 'cdk8s';
import { ANY, Checklist, ChecklistChart, expectChecklist, PostgresDatabase, ServerDatabase, SpiffeIdScheme, SpireStack, TrustDomain, WorkloadIdentity } from '../../src';

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
