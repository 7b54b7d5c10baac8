/**
 * The production scenario as a Pulumi program: SPIRE (3 server replicas on CloudNativePG, Vault
 * upstream, agent, CSI driver), the payments identities and who may call whom.
 *
 * `pulumi up` in this directory (with a Pulumi CLI and a Kubernetes provider configured).
 * The same manifests as `examples/production`, from the same constructs.
 */
import { Mesh, RolloutStage } from '../../src';
import { MeshPolicy, SpireStack, WorkloadIdentity } from '../../src/pulumi';
import { productionStackProps } from '../production/main';

const spire = new SpireStack('spire', productionStackProps());

const identity = (service: string) =>
  new WorkloadIdentity(service, { server: spire, namespace: 'payments', serviceAccount: service, podLabels: { 'app.kubernetes.io/name': service } });
const order = identity('order-service');
const payment = identity('payment-service');
const subscription = identity('subscription-service');

new MeshPolicy('payments-policy', {
  mesh: Mesh.istio({ cni: true }),
  stage: RolloutStage.ENFORCE,
  allows: [
    { caller: order, callee: payment, methods: ['POST'], paths: ['/api/payments/charge'], ports: [8443] },
    { caller: subscription, callee: payment, methods: ['POST'], paths: ['/api/payments/charge'], ports: [8443] },
    { caller: order, callee: payment, methods: ['POST'], paths: ['/api/payments/refund'], ports: [8443] },
  ],
});

export const serverAddress = spire.serverAddress;
export const identities = [order.spiffeId, payment.spiffeId, subscription.spiffeId];
