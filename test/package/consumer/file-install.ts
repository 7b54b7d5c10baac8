// Run in a project that depends on spire-constructs through `file:` on a checkout with its own
// node_modules (a second cdk8s): prints what building the stack says. consumer.sh asserts it.
import { smallestProductionApp } from './stack';

const outdir = process.argv[2];
try {
  smallestProductionApp(outdir ?? 'dist').synth();
  console.log('synthesized');
} catch (e) {
  console.log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
