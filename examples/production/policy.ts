/**
 * The seeds' payments rules: order-service and subscription-service may charge, only
 * order-service may refund; health and readiness stay open to probes.
 */
import { Construct } from 'constructs';
import { PaymentsApp } from './payments';
import { Mesh, MeshPolicy, RolloutStage } from '../../src';

export function paymentsPolicy(scope: Construct, id: string, payments: PaymentsApp, mesh: Mesh, stage: RolloutStage): MeshPolicy {
  const { identities } = payments;
  const policy = new MeshPolicy(scope, id, { mesh, stage, unauthenticatedPaths: ['/health', '/ready'] });
  policy.allow(identities['order-service'], identities['payment-service'], { methods: ['POST'], paths: ['/api/payments/charge'] });
  policy.allow(identities['subscription-service'], identities['payment-service'], { methods: ['POST'], paths: ['/api/payments/charge'] });
  policy.allow(identities['order-service'], identities['payment-service'], { methods: ['POST'], paths: ['/api/payments/refund'] });
  return policy;
}
