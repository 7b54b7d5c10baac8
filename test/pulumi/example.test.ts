import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { registered } from './mocks';

test('examples/pulumi/Pulumi.yaml names its own program as main (else Pulumi runs the repository\'s lib/index.js)', () => {
  const dir = path.join(__dirname, '..', '..', 'examples', 'pulumi');
  const project = parse(fs.readFileSync(path.join(dir, 'Pulumi.yaml'), 'utf8')) as { main?: string; runtime: { name: string } };
  expect(project.runtime.name).toBe('nodejs');
  expect(project.main).toBe('index.ts');
  expect(fs.existsSync(path.join(dir, project.main!))).toBe(true);
});

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
  // Components send their args to the engine (component inputs), so independent components
  // register in the order their inputs serialize: the set is what the program declares.
  const components = mine.filter((r) => r.type.startsWith('spire-constructs:')).map((r) => `${r.type.split(':')[2]} ${r.name}`).sort();
  expect(components).toEqual([
    'MeshPolicy payments-policy',
    'SpireStack spire',
    'WorkloadIdentity order-service',
    'WorkloadIdentity payment-service',
    'WorkloadIdentity subscription-service',
  ]);
  expect(mine.filter((r) => r.inputs.kind === 'AuthorizationPolicy').map((r) => r.inputs.metadata.name)).toEqual([
    'allow-nothing',
    'payment-service-health',
    'payment-service-allow-0',
    'payment-service-allow-1',
    'payment-service-allow-2',
  ]);
});

// Registrations run on after the constructors return: let them finish before the environment goes.
afterAll(() => new Promise((r) => setTimeout(r, 3000)));
