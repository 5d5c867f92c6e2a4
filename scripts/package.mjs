#!/usr/bin/env node
// Builds the platform-specific .vsix a writer installs:
//   npm run package [-- --target linux-x64] [--out FILE] [--stage DIR] [--quiet]
//   npm run package -- --target all [--out DIR]     one .vsix per target
//
// The package holds the production bundles (dist/extension.js, dist/worker.js, dist/cli.js), media,
// the model manifest, Inkling's own model when it is present, and onnxruntime-node's CPU runtime
// for the one target — nothing else: no sources, tests, source maps, other platforms' binaries,
// nor GPU execution providers. Everything is staged in .package/<target>/ and packed there by
// @vscode/vsce with the repository's .vscodeignore as the allow-list.
//
// onnxruntime-node goes to dist/node_modules/: the worker's require('onnxruntime-node') finds it
// there by Node's ordinary lookup, and vsce --no-dependencies (which skips only the top-level
// node_modules/) keeps it, so vsce never runs `npm list` over the whole dev tree.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderIcon } from './render-icon.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    target: { type: 'string', default: `${process.platform}-${process.arch}` },
    out: { type: 'string' },
    stage: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
  strict: true,
});
const log = (...a) => opt.quiet || console.log('[package]', ...a);

function fail(message) {
  console.error(`[package] ERROR: ${message}`);
  process.exit(1);
}

// vsce target → onnxruntime-node's binary folder. Alpine (musl) cannot load the glibc builds,
// and onnxruntime-node 1.30 ships no darwin-x64 build: refuse rather than pack a dead extension.
const RUNTIME_DIRS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};
// Every target in one command: `npm run package -- --target all` builds one .vsix per target.
if (opt.target === 'all') {
  for (const target of Object.keys(RUNTIME_DIRS)) {
    const args = [fileURLToPath(import.meta.url), '--target', target, ...(opt.quiet ? ['--quiet'] : [])];
    if (opt.out) args.push('--out', join(resolve(opt.out), `inkling-${target}.vsix`));
    const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (r.status !== 0) fail(`packaging ${target} failed`);
  }
  process.exit(0);
}
const runtimeDir = RUNTIME_DIRS[opt.target];
if (!runtimeDir) fail(`no onnxruntime-node build for target "${opt.target}". Targets: ${Object.keys(RUNTIME_DIRS).join(', ')}.`);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(opt.out ?? join(root, `${pkg.name}-${pkg.version}-${opt.target}.vsix`));
// Tests stage in a folder of their own, so runs side by side in one checkout do not collide.
const stage = resolve(opt.stage ?? join(root, '.package', opt.target));
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// 1. Production bundles, built straight into the stage (the dev dist/ keeps its source maps).
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production', '--outdir', join(stage, 'dist')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail('the production build failed');
// The worker's memory helper is built for this machine only: it ships in this target's package
// when the two are one, and in no other.
const native = join(stage, 'dist/native');
if (existsSync(native)) for (const dir of readdirSync(native)) if (dir !== opt.target) rmSync(join(native, dir), { recursive: true, force: true });

// 2. The manifest without what only developers use.
const manifest = { ...pkg };
delete manifest.scripts;
delete manifest.devDependencies;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) cpSync(join(root, file), join(stage, file));
// The manifest's strings (package.nls.json, package.nls.<language>.json) and the code's (l10n/):
// VS Code shows the writer's display language from them.
for (const file of readdirSync(root).filter((f) => /^package\.nls(\.[\w-]+)?\.json$/.test(f))) cpSync(join(root, file), join(stage, file));
cpSync(join(root, 'l10n'), join(stage, 'l10n'), { recursive: true });
if (existsSync(join(root, 'media'))) cpSync(join(root, 'media'), join(stage, 'media'), { recursive: true });
// The icon (package.json "icon") is drawn as media/icon.svg and rasterized here: the Marketplace takes PNG only.
renderIcon(join(stage, manifest.icon), 256);
cpSync(join(root, 'models/manifest.json'), join(stage, 'models/manifest.json'));

// 3. Inkling's own model, when it has been trained and exported (the test model is never shipped).
const ownModel = join(root, 'models/inkling-verse');
if (existsSync(join(ownModel, 'config.json'))) {
  cpSync(ownModel, join(stage, 'models/inkling-verse'), {
    recursive: true,
    // The GGUF is for writers who run the model in llama.cpp or Ollama: it stays in the repository.
    filter: (src) => !/(^|[\\/])\.[^\\/]+$/.test(relative(ownModel, src)) && !src.endsWith('.onnx_data') && !src.endsWith('.gguf'),
  });
  log(`including Inkling's own model (${mb(folderBytes(join(stage, 'models/inkling-verse')))})`);
} else {
  log('models/inkling-verse/ is not there: packaging without a bundled model');
}

// 4. onnxruntime-node's JavaScript and its CPU runtime for this target only.
const ortSrc = join(root, 'node_modules/onnxruntime-node');
const commonSrc = join(root, 'node_modules/onnxruntime-common');
const ortDst = join(stage, 'dist/node_modules/onnxruntime-node');
const commonDst = join(stage, 'dist/node_modules/onnxruntime-common');
const binSrc = join(ortSrc, 'bin/napi-v6', runtimeDir);
if (!existsSync(join(binSrc, 'onnxruntime_binding.node'))) fail(`node_modules/onnxruntime-node has no binding for ${opt.target} (${binSrc}). Run npm install.`);
// GPU execution-provider libraries (CUDA, TensorRT, ...) are large and Inkling runs on the CPU.
// Windows' DirectML DLLs stay: they ship with that platform's default runtime and were not shown
// to be optional there (only linux-x64 is tested here).
const gpuProvider = /providers_(cuda|tensorrt|rocm|migraphx|openvino)/i;
const jsOnly = (src) => statSync(src).isDirectory() || (src.endsWith('.js') && !src.endsWith('.map'));
cpSync(join(ortSrc, 'package.json'), join(ortDst, 'package.json'));
cpSync(join(ortSrc, 'dist'), join(ortDst, 'dist'), { recursive: true, filter: jsOnly });
for (const name of readdirSync(binSrc)) {
  if (gpuProvider.test(name)) {
    log(`leaving out GPU provider ${name}`);
    continue;
  }
  cpSync(join(binSrc, name), join(ortDst, 'bin/napi-v6', runtimeDir, name));
}
cpSync(join(commonSrc, 'package.json'), join(commonDst, 'package.json'));
cpSync(join(commonSrc, 'dist/cjs'), join(commonDst, 'dist/cjs'), { recursive: true, filter: (src) => jsOnly(src) || src.endsWith('package.json') });

// 5. Pack. The package has no repository URL, so README links stay as written (relative ones work
// where the README is read from the installed extension, not on a marketplace page).
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
if (!existsSync(vsce)) fail('@vscode/vsce is not installed (npm install).');
mkdirSync(dirname(out), { recursive: true });
const packed = spawnSync(process.execPath, [vsce, 'package', '--target', opt.target, '--no-dependencies', '--ignoreFile', join(root, '.vscodeignore'), '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], {
  cwd: stage,
  encoding: 'utf8',
  env: { ...process.env, VSCE_TESTS: '' },
});
if (packed.status !== 0) fail(`vsce package failed (${packed.status}):\n${packed.stdout}${packed.stderr}`);
log(packed.stdout.trim().split('\n').pop());
const shown = relative(process.cwd(), out);
console.log(`${shown && !shown.startsWith('..') ? shown : out} ${mb(statSync(out).size)} (${opt.target}; staged in ${stage})`);

function folderBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    total += statSync(p).isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
