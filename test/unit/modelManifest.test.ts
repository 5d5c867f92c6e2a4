/** The model manifest is parsed strictly; hub URLs and addresses are built and checked safely. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isSafeRelativePath, loadManifest, ManifestError, parseManifest } from '../../src/client/modelManifest';
import { checkEndpoint, HubError, resolveUrl } from '../../src/client/hubHttp';
import { repoRoot } from '../support/paths';

const good = {
  id: 'tiny',
  name: 'Tiny',
  description: 'A tiny model.',
  licence: 'MIT',
  source: { repo: 'someone/tiny', revision: 'main' },
  dtype: 'q8',
  files: [{ path: 'config.json' }, { path: 'onnx/model_quantized.onnx', sha256: 'a'.repeat(64), size: 10 }],
};

describe('model manifest', () => {
  test('the shipped manifest parses; every entry names config, tokenizer and the onnx file for its dtype', () => {
    const models = loadManifest(join(repoRoot, 'models/manifest.json'));
    assert.ok(models.length >= 4);
    const onnxFor: Record<string, string> = { q8: 'onnx/model_quantized.onnx', int8: 'onnx/model_int8.onnx', fp32: 'onnx/model.onnx', q4: 'onnx/model_q4.onnx' };
    for (const m of models) {
      const paths = m.files.map((f) => f.path);
      for (const needed of ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFor[m.dtype]!]) assert.ok(paths.includes(needed), `${m.id} lists ${needed}`);
      assert.ok(m.description.length > 10 && m.licence.length > 1);
    }
    const hubModels = models.filter((m) => !m.testOnly);
    assert.ok(hubModels.length >= 3, 'real hub models are listed');
    // Checksums are written down only where the project computed them (the test model's files).
    for (const m of hubModels) assert.ok(m.files.every((f) => f.sha256 === undefined && f.size === undefined), `${m.id} carries no unverified checksum`);
    const test = models.find((m) => m.testOnly)!;
    assert.ok(test.files.every((f) => f.sha256 && f.size !== undefined));
  });

  test('bad entries are rejected with a message that names the model and the problem', () => {
    const bad = (patch: object, pattern: RegExp) => assert.throws(() => parseManifest({ models: [{ ...good, ...patch }] }), (e: Error) => e instanceof ManifestError && pattern.test(e.message));
    bad({ id: '../evil' }, /"\.\.\/evil".*plain folder name/);
    bad({ files: [{ path: '../../etc/passwd' }] }, /not a plain relative path/);
    bad({ files: [{ path: '/abs/config.json' }] }, /not a plain relative path/);
    bad({ files: [{ path: 'onnx/model.onnx', sha256: 'xyz' }] }, /malformed sha256/);
    bad({ files: [{ path: 'a.json', size: -1 }] }, /malformed size/);
    bad({ files: [{ path: 'a.json' }, { path: 'a.json' }] }, /listed twice/);
    bad({ dtype: 'q3' }, /unknown dtype/);
    bad({ source: { repo: 'no-owner', revision: 'main' } }, /hub repository/);
    bad({ source: { repo: 'a/b', revision: '../x' } }, /revision/);
    bad({ size: 11 }, /sum of its files/);
    assert.throws(() => parseManifest({ models: [good, good] }), /twice/);
    assert.throws(() => parseManifest({}), /no "models" list/);
  });

  test('safe relative paths', () => {
    assert.ok(isSafeRelativePath('onnx/model_quantized.onnx'));
    assert.ok(isSafeRelativePath('LICENSE'));
    for (const p of ['', '..', 'a/../b', '/a', 'a//b', '.hidden', 'a/.git/x', 'a\\b']) assert.equal(isSafeRelativePath(p), false, p);
  });

  test('hub URLs follow the resolve layout; plain http is allowed only to this machine', () => {
    assert.equal(resolveUrl('https://huggingface.co/', 'HuggingFaceTB/SmolLM-135M', 'main', 'onnx/model_quantized.onnx').href, 'https://huggingface.co/HuggingFaceTB/SmolLM-135M/resolve/main/onnx/model_quantized.onnx');
    assert.equal(resolveUrl('http://127.0.0.1:8080', 'a/b', 'refs/pr/1', 'x y.json').pathname, '/a/b/resolve/refs%2Fpr%2F1/x%20y.json');
    assert.equal(checkEndpoint('https://huggingface.co').host, 'huggingface.co');
    assert.equal(checkEndpoint('http://127.0.0.1:9').port, '9');
    assert.equal(checkEndpoint('http://localhost:9').hostname, 'localhost');
    for (const bad of ['http://huggingface.co', 'ftp://x', 'not a url', 'http://10.0.0.1']) assert.throws(() => checkEndpoint(bad), (e: Error) => e instanceof HubError && e.code === 'insecure', bad);
  });
});
