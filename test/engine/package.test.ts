/**
 * The .vsix a writer installs: `scripts/package.mjs --target linux-x64` builds it; its listing
 * holds exactly the runtime pieces (no sources, tests, maps, other platforms or GPU providers),
 * and the extension folder unpacked away from this checkout runs the real worker on its own
 * onnxruntime-node — the same text as the development build for the same seed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliPath, repoRoot, testModelDir } from '../support/paths';
import { zipEntries, type ZipEntry } from '../support/zipEntries';

const TARGET = 'linux-x64';
const ORT_BIN = 'extension/dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/';

describe(`the ${TARGET} package`, { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'packages for this machine only' : false }, () => {
  let work: string;
  let vsix: string;
  let entries: ZipEntry[];
  let names: string[];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'inkling-vsix-'));
    vsix = join(work, `inkling-${TARGET}.vsix`);
    execFileSync(process.execPath, [join(repoRoot, 'scripts/package.mjs'), '--target', TARGET, '--out', vsix, '--stage', join(work, 'stage'), '--quiet'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    entries = zipEntries(vsix);
    names = entries.map((e) => e.name);
    const unpacked = entries.reduce((s, e) => s + e.size, 0);
    console.log(`${TARGET} .vsix: ${(statSync(vsix).size / 1024 / 1024).toFixed(1)} MB packed, ${(unpacked / 1024 / 1024).toFixed(1)} MB unpacked, ${entries.length} files`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('holds the bundles, the worker, the manifest and the onnxruntime binding for the target', () => {
    for (const needed of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/cli.js', 'extension/dist/cmu-dictionary.js', 'extension/dist/cmu-dictionary.txt', 'extension/dist/word-frequencies.js', 'extension/dist/word-frequencies.txt', 'extension/dist/literature-words.js', 'extension/dist/literature-words.txt', 'extension/dist/pinyin.js', 'extension/models/manifest.json', 'extension/package.nls.json', 'extension/package.nls.zh-cn.json', 'extension/l10n/bundle.l10n.json', 'extension/l10n/bundle.l10n.zh-cn.json', 'extension/dist/node_modules/onnxruntime-node/dist/index.js', 'extension/dist/node_modules/onnxruntime-common/dist/cjs/index.js', `${ORT_BIN}onnxruntime_binding.node`, `${ORT_BIN}libonnxruntime.so.1`]) {
      assert.ok(names.includes(needed), `has ${needed}`);
    }
    const manifest = entries.find((e) => e.name === 'extension.vsixmanifest')!.read().toString('utf8');
    assert.match(manifest, new RegExp(`TargetPlatform="${TARGET}"`));
    // vsce fills the %key% placeholders of the listing from package.nls.json.
    assert.match(manifest, /<DisplayName>Inkling — write with a local language model<\/DisplayName>/);
    const pkg = JSON.parse(entries.find((e) => e.name === 'extension/package.json')!.read().toString('utf8')) as { main: string; scripts?: unknown; devDependencies?: unknown };
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.scripts, undefined, 'no developer scripts in the shipped manifest');
    assert.equal(pkg.devDependencies, undefined);
  });

  test('has the Marketplace face: a 256×256 PNG icon rendered from media/icon.svg, the banner, the walkthrough pages', () => {
    const pkg = JSON.parse(entries.find((e) => e.name === 'extension/package.json')!.read().toString('utf8')) as { icon: string; galleryBanner?: { color: string; theme: string }; contributes: { walkthroughs: { steps: { media: { markdown: string } }[] }[] } };
    const icon = entries.find((e) => e.name === `extension/${pkg.icon}`);
    assert.ok(icon, `the icon ${pkg.icon} is packaged`);
    const png = icon.read();
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [256, 256], 'width and height from the IHDR chunk');
    assert.match(pkg.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    const manifest = entries.find((e) => e.name === 'extension.vsixmanifest')!.read().toString('utf8');
    assert.match(manifest, /Microsoft\.VisualStudio\.Services\.Icons\.Default/);
    // A step's page is a %key% too: each language's package.nls names its own copy, and both ship.
    for (const nls of ['extension/package.nls.json', 'extension/package.nls.zh-cn.json']) {
      const texts = JSON.parse(entries.find((e) => e.name === nls)!.read().toString('utf8')) as Record<string, string>;
      for (const step of pkg.contributes.walkthroughs[0]!.steps) {
        const page = step.media.markdown.replace(/^%(.+)%$/, (_, key: string) => texts[key] ?? key);
        assert.ok(names.includes(`extension/${page}`), `${nls}: walkthrough page ${page}`);
      }
    }
    assert.ok(names.includes('extension/media/walkthrough/sample-poem.md'));
  });

  test('has no sources, tests, source maps, type declarations, other platforms or GPU providers', () => {
    const offenders = names.filter(
      (n) =>
        /\.(ts|map|tsx)$/.test(n) ||
        /^extension\/(src|test|out|bench|scripts|\.harness|\.test-artifacts|\.package|node_modules)\//.test(n) ||
        /^extension\/models\/(recipe|stories260K)/.test(n) ||
        /\/(darwin|win32|linux\/arm64)\//.test(n) ||
        /\.(dll|dylib|gguf)$/.test(n) ||
        /providers_(cuda|tensorrt)/.test(n) ||
        /(^|\/)(tsconfig\.json|package-lock\.json|\.gitignore|\.npmrc|\.vscodeignore)$/.test(n),
    );
    assert.deepEqual(offenders, []);
    // Native code is exactly the binding and the runtime for linux-x64, and the worker's memory
    // helper where this machine builds it (as the dev build here shows).
    const helper = statExists(join(repoRoot, 'dist/native/linux-x64/trim.node')) ? ['extension/dist/native/linux-x64/trim.node'] : [];
    assert.deepEqual(names.filter((n) => /\.(node|so(\.\d+)*)$/.test(n)).sort(), [`${ORT_BIN}libonnxruntime.so.1`, `${ORT_BIN}onnxruntime_binding.node`, ...helper].sort());
    // Inkling's own model goes in when it exists, and only its model files.
    const own = names.filter((n) => n.startsWith('extension/models/inkling-verse/'));
    if (statExists(join(repoRoot, 'models/inkling-verse/config.json'))) {
      assert.ok(own.includes('extension/models/inkling-verse/config.json') && own.some((n) => n.endsWith('.onnx')));
      assert.ok(own.every((n) => !n.endsWith('.onnx_data') && !/\/\./.test(n)));
    } else assert.deepEqual(own, []);
  });

  test('unpacked outside the checkout, its worker runs on its own onnxruntime-node and writes what the dev build writes', () => {
    const ext = mkdtempSync(join(tmpdir(), 'inkling-installed-'));
    try {
      for (const e of entries.filter((x) => x.name.startsWith('extension/'))) {
        const target = join(ext, e.name.slice('extension/'.length));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, e.read());
      }
      const args = ['continue', '-', '--model', testModelDir, '--seed', '21', '--max-tokens', '12', '--json'];
      const run = (cli: string) => JSON.parse(execFileSync(process.execPath, [cli, ...args], { input: 'Once upon a time', encoding: 'utf8', cwd: ext, env: { ...process.env, NODE_PATH: '' } })) as { text: string; model: string };
      const packaged = run(join(ext, 'dist/cli.js'));
      const dev = run(cliPath);
      assert.ok(packaged.text.length > 3);
      assert.equal(packaged.text, dev.text);
      // The runtime it loaded is the packaged one: nothing above the temp folder has a node_modules.
      const resolved = execFileSync(process.execPath, ['-e', "process.stdout.write(require.resolve('onnxruntime-node'))"], { cwd: join(ext, 'dist'), encoding: 'utf8' });
      assert.equal(resolved, join(ext, 'dist/node_modules/onnxruntime-node/dist/index.js'));
      assert.ok(readFileSync(join(ext, 'dist/worker.js'), 'utf8').length > 100_000);
      // The memory helper, where packed, loads from the installed folder and answers.
      if (statExists(join(ext, 'dist/native/linux-x64/trim.node'))) {
        const trimmed = execFileSync(process.execPath, ['-e', "const { trim } = require('./dist/native/linux-x64/trim.node'); process.stdout.write(`${typeof trim} ${typeof trim()}`)"], { cwd: ext, encoding: 'utf8' });
        assert.equal(trimmed, 'function boolean');
      }
    } finally {
      rmSync(ext, { recursive: true, force: true });
    }
  });
});

function statExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

describe('every target in one command', { skip: process.platform !== 'linux' ? 'built where the packaging test runs' : false }, () => {
  test('`--target all` builds one .vsix per target, each with only its own runtime', () => {
    const work = mkdtempSync(join(tmpdir(), 'inkling-vsix-all-'));
    try {
      execFileSync(process.execPath, [join(repoRoot, 'scripts/package.mjs'), '--target', 'all', '--out', work, '--quiet'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      const expected: Record<string, RegExp> = {
        'linux-x64': /linux\/x64\/(libonnxruntime\.so\.1|onnxruntime_binding\.node)$|dist\/native\/linux-x64\/trim\.node$/,
        'linux-arm64': /linux\/arm64\/(libonnxruntime\.so\.1|onnxruntime_binding\.node)$/,
        'darwin-arm64': /darwin\/arm64\/(libonnxruntime(\.\d+)+\.dylib|onnxruntime_binding\.node)$/,
        'win32-x64': /win32\/x64\/[^/]+\.(dll|node)$/,
        'win32-arm64': /win32\/arm64\/[^/]+\.(dll|node)$/,
      };
      for (const [target, own] of Object.entries(expected)) {
        const list = zipEntries(join(work, `inkling-${target}.vsix`));
        const native = list.map((e) => e.name).filter((n) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(n));
        assert.ok(native.some((n) => n.endsWith('onnxruntime_binding.node')), `${target} has its binding`);
        assert.deepEqual(native.filter((n) => !own.test(n)), [], `${target} holds no other platform's native code`);
        assert.match(list.find((e) => e.name === 'extension.vsixmanifest')!.read().toString('utf8'), new RegExp(`TargetPlatform="${target}"`));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
