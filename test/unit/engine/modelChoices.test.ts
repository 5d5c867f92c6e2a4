// The models the sampling panel offers, and the check a chosen folder must pass: the real test
// model passes; folders missing a piece are refused with that piece named.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { modelChoices, modelFolderProblem } from '../../../src/engine/model/modelChoices';
import { repoRoot, testModelDir } from '../../support/paths';

const tmp = mkdtempSync(join(tmpdir(), 'inkling-models-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('modelFolderProblem', () => {
  it('accepts the real test model', () => {
    assert.equal(modelFolderProblem(testModelDir), null);
  });

  it('names what is missing', () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir);
    assert.match(modelFolderProblem(join(tmp, 'nowhere'))!, /not found/);
    assert.match(modelFolderProblem(dir)!, /config\.json/);
    writeFileSync(join(dir, 'config.json'), '{"model_type":"llama"}');
    assert.match(modelFolderProblem(dir)!, /tokenizer\.json/);
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    assert.match(modelFolderProblem(dir)!, /onnx\//);
    writeFileSync(join(dir, 'config.json'), '{not json');
    assert.match(modelFolderProblem(dir)!, /not valid JSON/);
  });
});

describe('modelChoices', () => {
  it('offers the default first, then valid installed folders, recent ones, and the current one even if broken', () => {
    const root = join(tmp, 'installed');
    mkdirSync(join(root, 'empty-folder'), { recursive: true });
    cpSync(testModelDir, join(root, 'tiny'), { recursive: true });
    const broken = join(tmp, 'broken');
    const choices = modelChoices(repoRoot, [root, join(tmp, 'no-such-root')], [testModelDir, join(tmp, 'gone')], broken);
    assert.equal(choices[0]!.path, '');
    assert.match(choices[0]!.label, /Inkling/);
    const paths = choices.map((c) => c.path);
    assert.ok(paths.includes(resolve(root, 'tiny')), 'the installed folder is offered');
    assert.ok(!paths.some((p) => p.endsWith('empty-folder')), 'a folder without a model is not');
    assert.ok(!paths.includes(join(tmp, 'gone')), 'a recent folder that is gone is not');
    const current = choices.find((c) => c.path === resolve(broken));
    assert.ok(current, 'the current setting is shown');
    assert.match(current.detail, /not usable/);
    assert.equal(new Set(paths).size, paths.length, 'no duplicates');
  });
});
