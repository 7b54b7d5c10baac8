/**
 * The seeds' payments scenario: namespace `payments` with order-service, payment-service and
 * subscription-service, each with its own service account and bound to its own identity.
 *
 * The workloads are plain manifests (`ApiObject`s, as `Include` or a generated L1 class would give):
 * `WorkloadIdentity.bind` takes them as well as cdk8s-plus workloads, and this example then loads
 * no cdk8s-plus at all.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SpireServer, WorkloadIdentity } from '../../src';

export const PAYMENTS_NAMESPACE = 'payments';
export const PAYMENTS_SERVICES = ['order-service', 'payment-service', 'subscription-service'] as const;
export type PaymentsService = (typeof PAYMENTS_SERVICES)[number];

/** Each service listens for mTLS on this port. */
export const PAYMENTS_PORT = 8443;

export class PaymentsApp extends Construct {
  public readonly identities: Record<PaymentsService, WorkloadIdentity>;
  /** The services' apps/v1 Deployments. */
  public readonly deployments: Record<PaymentsService, ApiObject>;

  public constructor(scope: Construct, id: string, server: SpireServer) {
    super(scope, id);
    new ApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: PAYMENTS_NAMESPACE,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    });
    const identities = {} as Record<PaymentsService, WorkloadIdentity>;
    const deployments = {} as Record<PaymentsService, ApiObject>;
    for (const service of PAYMENTS_SERVICES) {
      new ApiObject(this, `${service}-sa`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: service, namespace: PAYMENTS_NAMESPACE },
        automountServiceAccountToken: false,
      });
      const deployment = new ApiObject(this, service, serviceDeployment(service));
      const identity = new WorkloadIdentity(this, `${service}-identity`, {
        server,
        namespace: PAYMENTS_NAMESPACE,
        serviceAccount: service,
      });
      identity.bind(deployment);
      identities[service] = identity;
      deployments[service] = deployment;
    }
    this.identities = identities;
    this.deployments = deployments;
  }
}

/** One service's Deployment: two replicas, Pod Security `restricted`, requests and limits set. */
function serviceDeployment(service: PaymentsService) {
  const labels = { 'app.kubernetes.io/name': service };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service, namespace: PAYMENTS_NAMESPACE, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: service,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: service,
            image: `registry.example.com/payments/${service}:1.4.2`,
            ports: [{ containerPort: PAYMENTS_PORT }],
            resources: {
              requests: { cpu: '100m', memory: '128Mi' },
              limits: { cpu: '500m', memory: '256Mi' },
            },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
            startupProbe: { tcpSocket: { port: PAYMENTS_PORT }, failureThreshold: 3 },
          }],
        },
      },
    },
  };
}
