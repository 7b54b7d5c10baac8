import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Options of the Prometheus-operator resources. */
export interface ServerMonitoringOptions {
  /**
   * Render a PodMonitor for the server and controller-manager metrics.
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * Render a PrometheusRule with alerts (server down, failing health checks); the agent's alert
   * is the agent's (`SpireAgentProps.monitoring`).
   * @default true
   */
  readonly prometheusRule?: boolean;
  /**
   * Labels for both (e.g. the `release` label your Prometheus selects).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** What the server's monitoring objects are drawn from. @internal */
export interface ServerMonitoringInputs {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas: number;
  readonly controllerManager: boolean;
}

/** The server's PodMonitor and PrometheusRule (prometheus-operator). @internal */
export function addServerMonitoring(scope: Construct, inputs: ServerMonitoringInputs, options: ServerMonitoringOptions): void {
  const labels = { ...inputs.labels, ...(options.labels ?? {}) };
  const { name, namespace, replicas } = inputs;
  if (options.podMonitor ?? true) {
    new ApiObject(scope, 'PodMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: inputs.selector },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }, ...(inputs.controllerManager ? [{ port: 'cm-metrics', path: '/metrics' }] : [])],
      },
    });
  }
  if (options.prometheusRule ?? true) {
    const job = `${namespace}/${name}`;
    new ApiObject(scope, 'PrometheusRule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name, namespace, labels },
      spec: {
        groups: [
          {
            name: 'spire',
            rules: [
              {
                alert: 'SpireServerDown',
                expr: `absent(up{job="${job}", container="spire-server"} == 1)`,
                for: '5m',
                labels: { severity: 'critical' },
                annotations: {
                  summary: 'No SPIRE server is up',
                  description: `No SPIRE server in ${namespace} has been scraped successfully for 5 minutes: agents cannot renew SVIDs and workloads lose identity when their SVIDs expire.`,
                },
              },
              {
                alert: 'SpireServerReplicasUnavailable',
                expr: `kube_statefulset_status_replicas_ready{namespace="${namespace}", statefulset="${name}"} < ${replicas}`,
                for: '10m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: 'SPIRE server replicas are failing health checks',
                  description: `Fewer than ${replicas} SPIRE server replicas in ${namespace} pass their readiness check (/ready).`,
                },
              },
            ],
          },
        ],
      },
    });
  }
}
