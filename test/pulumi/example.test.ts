import { registered } from './mocks';

test('examples/pulumi registers the production scenario (stack, identities, policy) under mocks', async () => {
  const start = registered.length;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require('../../examples/pulumi/index') as { serverAddress: string; identities: string[] };
  await new Promise((r) => setTimeout(r, 500));
  const mine = registered.slice(start);
  expect(program.serverAddress).toBe('spire-server.spire-server.svc');
  expect(program.identities).toEqual([
    'spiffe://prod.example.com/ns/payments/sa/order-service',
    'spiffe://prod.example.com/ns/payments/sa/payment-service',
    'spiffe://prod.example.com/ns/payments/sa/subscription-service',
  ]);
  const components = mine.filter((r) => r.type.startsWith('spire-constructs:')).map((r) => `${r.type.split(':')[2]} ${r.name}`);
  expect(components).toEqual([
    'SpireStack spire',
    'WorkloadIdentity order-service',
    'WorkloadIdentity payment-service',
    'WorkloadIdentity subscription-service',
    'MeshPolicy payments-policy',
  ]);
  expect(mine.filter((r) => r.inputs.kind === 'AuthorizationPolicy').map((r) => r.inputs.metadata.name)).toEqual([
    'allow-nothing',
    'payment-service-health',
    'payment-service-allow-0',
    'payment-service-allow-1',
    'payment-service-allow-2',
  ]);
});
