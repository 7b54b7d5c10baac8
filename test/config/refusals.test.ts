import { Duration } from 'cdk8s';
import {
  ControllerManagerConfig,
  FederationBundleEndpoint,
  HealthChecks,
  KeyManager,
  Selector,
  Telemetry,
  TrustDomain,
  WorkloadAttestor,
} from '../../src';

describe('defaults of the smaller config classes', () => {
  test('HealthChecks, Telemetry, FederationBundleEndpoint', () => {
    expect(new HealthChecks()._render()).toEqual({ listener_enabled: true, bind_address: '0.0.0.0', bind_port: '8080', live_path: '/live', ready_path: '/ready' });
    expect(Telemetry.prometheus()._render()).toEqual({ Prometheus: { host: '0.0.0.0', port: 9988 } });
    expect(new FederationBundleEndpoint()._render()).toEqual({ address: '0.0.0.0', port: 8443, profile: { https_spiffe: {} } });
  });

  test('ControllerManagerConfig: gcInterval in nanoseconds, default ignores, default ports', () => {
    const c = new ControllerManagerConfig({
      trustDomain: TrustDomain.of('example.org'),
      clusterName: 'c1',
      className: 'spire',
      leaderElectionNamespace: 'spire-server',
      validatingWebhookConfigurationName: 'spire-webhook',
    }).toObject();
    expect(c).toMatchObject({
      gcInterval: 10_000_000_000,
      ignoreNamespaces: ['kube-system', 'kube-public'],
      spireServerSocketPath: '/tmp/spire-server/private/api.sock',
      webhook: { port: 9443 },
      health: { healthProbeBindAddress: '0.0.0.0:8083' },
      metrics: { bindAddress: '0.0.0.0:8082' },
      leaderElection: { leaderElect: true, resourceNamespace: 'spire-server', leaseDuration: '15s' },
    });
  });
});

describe('refusals of the smaller config classes', () => {
  test('HealthChecks: paths and ports', () => {
    expect(() => new HealthChecks({ livePath: 'live' })).toThrow("Invalid 'healthChecks.livePath': received \"live\". Use an HTTP path starting with \"/\".");
    expect(() => new HealthChecks({ bindPort: 70000 })).toThrow("Invalid 'healthChecks.bindPort': received 70000. Use a TCP port between 1 and 65535.");
  });

  test('Telemetry and bundle endpoint ports, refresh hint', () => {
    expect(() => Telemetry.prometheus({ port: 0 })).toThrow("Invalid 'prometheus.port': received 0.");
    expect(() => new FederationBundleEndpoint({ refreshHint: Duration.hours(24) })).toThrow(
      "Invalid 'bundleEndpoint.refreshHint': received \"24h\". Use at least 1m and less than 24h.",
    );
  });

  test('ControllerManagerConfig: ignoreNamespaces are regular expressions, names required', () => {
    const base = {
      trustDomain: TrustDomain.of('example.org'),
      clusterName: 'c1',
      className: 'spire',
      leaderElectionNamespace: 'spire-server',
      validatingWebhookConfigurationName: 'spire-webhook',
    };
    expect(() => new ControllerManagerConfig({ ...base, ignoreNamespaces: ['(unclosed'] })).toThrow("Invalid 'ignoreNamespaces': received \"(unclosed\". Each entry is a regular expression.");
    expect(() => new ControllerManagerConfig({ ...base, className: '' })).toThrow(/Invalid 'className': received ""/);
  });

  test('Selector, workload attestor and key manager inputs', () => {
    expect(() => Selector.of('k8s:ns', 'x')).toThrow("Invalid 'selector type': received \"k8s:ns\". A selector type is non-empty and has no \":\".");
    expect(() => Selector.of('k8s', '')).toThrow("Invalid 'selector value': received \"\". A selector value is non-empty.");
    // The k8s attestor's namespace key is "ns": an entry with "namespace" would never match.
    expect(() => Selector.k8s('namespace', 'payments')).toThrow("Invalid 'k8s selector key': received \"namespace\". The k8s workload attestor produces only ns, sa,");
    expect(Selector.k8s('ns', 'payments').toString()).toBe('k8s:ns:payments');
    expect(Selector.parse('k8s:ns:payments').toString()).toBe('k8s:ns:payments');
    expect(() => WorkloadAttestor.k8s({ nodeNameEnv: 'my-node' })).toThrow("Invalid 'k8s.nodeNameEnv': received \"my-node\". Use an environment variable name.");
    expect(() => WorkloadAttestor.k8s({ kubeletSecurePort: 0 })).toThrow(/Invalid 'k8s.kubeletSecurePort': received 0/);
    expect(() => KeyManager.awsKms({ region: '', keyIdentifierValue: 'x' })).toThrow(/Invalid 'awsKms.region'/);
  });
});
