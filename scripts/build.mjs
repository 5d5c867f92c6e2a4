// Builds the extension, the worker, the CLI and the test bundles with esbuild.
// `vscode` is provided by the host; onnxruntime-node and sharp carry native binaries and stay in node_modules.
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const withTests = !production && !process.argv.includes('--no-tests');
const external = ['vscode', 'onnxruntime-node', 'sharp', 'playwright-core', 'mocha'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // transformers.js reads import.meta.url in its ESM build; point it at the bundle file.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

function testEntries(dir) {
  const out = [];
  let names = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testEntries(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' }),
  esbuild.build({ ...common, entryPoints: { worker: 'src/engine/worker.ts', cli: 'src/cli.ts' }, outdir: 'dist' }),
  ...(!withTests ? [] : [esbuild.build({ ...common, entryPoints: testEntries('test').concat(testEntries('bench').filter((f) => f.endsWith('.ts'))), outdir: 'out', outbase: '.' })]),
]);
