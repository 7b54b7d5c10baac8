import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a generated file, or with `--check` on the command line fails (exit 1) when the
 * committed file differs from what the generator produces.
 */
export function writeOrCheck(file: string, content: string, regenerate: string): void {
  const name = path.basename(file);
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== content) {
      console.error(`${name} is stale: run \`${regenerate}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${name} is current.`);
    return;
  }
  fs.writeFileSync(file, content);
  console.log(`wrote ${name}`);
}
