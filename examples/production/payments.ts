/**
 * The seeds' payments scenario: namespace `payments` with order-service, payment-service and
 * subscription-service, each with its own service account and bound to its own identity.
 */
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SpireServer, WorkloadIdentity } from '../../src';

export const PAYMENTS_NAMESPACE = 'payments';
export const PAYMENTS_SERVICES = ['order-service', 'payment-service', 'subscription-service'] as const;
export type PaymentsService = (typeof PAYMENTS_SERVICES)[number];

export class PaymentsApp extends Construct {
  public readonly identities: Record<PaymentsService, WorkloadIdentity>;
  public readonly deployments: Record<PaymentsService, plus.Deployment>;

  public constructor(scope: Construct, id: string, server: SpireServer) {
    super(scope, id);
    new plus.Namespace(this, 'Namespace', {
      metadata: {
        name: PAYMENTS_NAMESPACE,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    });
    const identities = {} as Record<PaymentsService, WorkloadIdentity>;
    const deployments = {} as Record<PaymentsService, plus.Deployment>;
    for (const service of PAYMENTS_SERVICES) {
      const serviceAccount = new plus.ServiceAccount(this, `${service}-sa`, {
        metadata: { name: service, namespace: PAYMENTS_NAMESPACE },
        automountToken: false,
      });
      const deployment = new plus.Deployment(this, service, {
        metadata: { name: service, namespace: PAYMENTS_NAMESPACE },
        replicas: 2,
        serviceAccount,
        containers: [
          {
            name: service,
            image: `registry.example.com/payments/${service}:1.4.2`,
            portNumber: 8443,
            securityContext: { user: 10001, group: 10001 },
            resources: {
              cpu: { request: plus.Cpu.millis(100), limit: plus.Cpu.millis(500) },
              memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
            },
          },
        ],
      });
      // Pod Security `restricted` also wants RuntimeDefault seccomp and no capabilities.
      ApiObject.of(deployment).addJsonPatch(
        JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
        JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      );
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
