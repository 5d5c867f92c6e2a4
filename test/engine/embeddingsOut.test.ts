/**
 * The embedding lookup taken out of the graph (src/engine/graph/embeddingsOut.ts, read back by
 * src/engine/model/embeddingRows.ts) on real graphs of each layout it knows: Inkling's own 4-bit model
 * (an int8 table stored transposed, with row scales), stories260K's copy-free graphs rewritten
 * from transformers.js (a float32 table) and the copy-free fixture. The same logits, bit for bit,
 * through chunked prefill and steps, and the same text through the worker; an install records
 * why a small table stays; a missing or damaged table file costs the writer nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { LanguageModel } from '../../src/engine/model/languageModel';
import { emptyCache } from '../../src/engine/model/kvCache';
import { addCopyFreeGraph } from '../../src/engine/graph/copyFreeRewrite';
import { moveEmbeddingsOut } from '../../src/engine/graph/embeddingsOut';
import type { ModelDtype } from '../../src/engine/protocol';
import { repoRoot, testModelDir, workerPath } from '../support/paths';

const verseDir = join(repoRoot, 'models', 'inkling-verse');
const prompt = 'Shall I compare thee to a summer\'s day?\nThou art more lovely and more temperate:\n';

/** A copy of a model folder's JSON files and the named graphs. */
function copyFolder(from: string, graphs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-embeddings-'));
  mkdirSync(join(dir, 'onnx'));
  for (const f of readdirSync(from)) if (f.endsWith('.json')) copyFileSync(join(from, f), join(dir, f));
  for (const g of graphs) copyFileSync(join(from, 'onnx', g), join(dir, 'onnx', g));
  return dir;
}

/** Logits of both models on the same tokens: a prefill in chunks of 7, then 40 greedy steps. */
async function sameLogits(a: string, b: string, dtype: ModelDtype): Promise<{ steps: number; worst: number; embedded: [boolean, boolean] }> {
  const x = await LanguageModel.load({ dir: a, dtype, threads: 1 });
  const y = await LanguageModel.load({ dir: b, dtype, threads: 1 });
  try {
    const ids = x.encode(prompt);
    let p = await x.forward([ids], emptyCache(x.layout), 7);
    let q = await y.forward([ids], emptyCache(y.layout), 7);
    let worst = 0;
    let steps = 0;
    for (; steps < 40; steps++) {
      for (let i = 0; i < p.logits.length; i++) worst = Math.max(worst, Math.abs(p.logits[i]! - q.logits[i]!));
      let next = 0;
      for (let i = 1; i < p.logits.length; i++) if (p.logits[i]! > p.logits[next]!) next = i;
      p = await x.forward([[next]], p.cache);
      q = await y.forward([[next]], q.cache);
    }
    return { steps, worst, embedded: [x.takesEmbeddings, y.takesEmbeddings] };
  } finally {
    await x.dispose();
    await y.dispose();
  }
}

describe('the embedding lookup outside the graph', () => {
  const folders: string[] = [];
  after(() => folders.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test("Inkling's own model (int8 table stored transposed, row scales): the same logits bit for bit, and the same text", async () => {
    const dir = copyFolder(verseDir, ['model_kvin_q4.onnx', 'model_quantized.onnx']);
    folders.push(dir);
    const graph = join(dir, 'onnx', 'model_kvin_q4.onnx');
    assert.deepEqual(await moveEmbeddingsOut(graph), { ok: false, reason: 'the table (1048576 bytes) is smaller than 8388608' }, 'a small table stays by default');
    const moved = await moveEmbeddingsOut(graph, { minBytes: 0 });
    assert.ok(moved.ok, JSON.stringify(moved));
    assert.equal(moved.plan.table, 'embed.weight_T_int8');
    assert.equal(moved.plan.axis, 1);
    assert.deepEqual([moved.plan.rows, moved.plan.width], [4096, 256]);
    assert.equal(readFileSync(moved.file).length, 32 + 4096 * 256 + 4096 * 4);
    assert.deepEqual(readdirSync(join(dir, 'onnx')).filter((f) => f.includes('.partial')), [], 'no partial file left');
    const r = await sameLogits(verseDir, dir, 'q4');
    assert.deepEqual(r.embedded, [false, true], 'the original looks rows up in the graph, the rewrite reads them from the file');
    assert.equal(r.worst, 0, `largest logit difference over ${r.steps} steps`);
    assert.deepEqual(await moveEmbeddingsOut(graph, { minBytes: 0 }), { ok: false, reason: 'the graph already takes inputs_embeds' });

    const a = new EngineClient({ workerPath });
    const b = new EngineClient({ workerPath });
    try {
      await a.load({ dir: verseDir, dtype: 'q4', threads: 1 });
      await b.load({ dir, dtype: 'q4', threads: 1 });
      for (const r of [
        { prompt, sampling: { seed: 4, maxNewTokens: 48 }, form: { lines: 2, rhyme: true } },
        { prompt, sampling: { seed: 7, temperature: 0.9, maxNewTokens: 24 }, n: 3 },
        { prompt, sampling: { strategy: 'beam' as const, numBeams: 3, maxNewTokens: 16 } },
      ]) {
        const x = await a.generate(r);
        const y = await b.generate(r);
        assert.ok(x.text.trim().length > 0);
        assert.equal(y.text, x.text, JSON.stringify(r.sampling));
        assert.deepEqual(y.alternatives?.map((s) => s.text), x.alternatives?.map((s) => s.text));
      }
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  test('stories260K as installed (float32 table): the install records why its small table stays; moved, the same logits', async () => {
    const dir = copyFolder(testModelDir, ['model.onnx', 'model_quantized.onnx']);
    folders.push(dir);
    for (const dtype of ['fp32', 'q8'] as const) {
      const record = await addCopyFreeGraph(dir, dtype);
      assert.ok('file' in record, JSON.stringify(record));
      assert.deepEqual(record.embeddings, { skipped: 'the table (131072 bytes) is smaller than 8388608' });
    }
    const moved = copyFolder(dir, ['model_kvin_f32.onnx', 'model_kvin_q8.onnx', 'model.onnx', 'model_quantized.onnx']);
    folders.push(moved);
    for (const dtype of ['fp32', 'q8'] as const) {
      const out = await moveEmbeddingsOut(join(moved, 'onnx', `model_kvin_${dtype === 'fp32' ? 'f32' : 'q8'}.onnx`), { minBytes: 0 });
      assert.ok(out.ok, JSON.stringify(out));
      assert.deepEqual([out.plan.table, out.plan.axis, out.plan.rowScale], ['emb', 0, null]);
      const r = await sameLogits(dir, moved, dtype);
      assert.deepEqual(r.embedded, [false, true]);
      assert.equal(r.worst, 0, `${dtype}: largest logit difference ${r.worst}`);
    }
  });

  test("the copy-free fixture (export_kvin's float32 layout) moves too", async () => {
    const fixture = join(repoRoot, 'test', 'fixtures', 'kvin-stories260K');
    const dir = mkdtempSync(join(tmpdir(), 'inkling-embeddings-'));
    folders.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const out = await moveEmbeddingsOut(join(dir, 'onnx', 'model_kvin_f32.onnx'), { minBytes: 0 });
    assert.ok(out.ok, JSON.stringify(out));
    const r = await sameLogits(fixture, dir, 'fp32');
    assert.equal(r.worst, 0, `largest logit difference ${r.worst}`);
  });

  test('a missing or damaged table file: the transformers.js graph runs instead and the log says why; with none to fall back on, a clear error', async () => {
    const dir = copyFolder(testModelDir, ['model_quantized.onnx']);
    folders.push(dir);
    assert.ok('file' in (await addCopyFreeGraph(dir, 'q8')));
    const moved = await moveEmbeddingsOut(join(dir, 'onnx', 'model_kvin_q8.onnx'), { minBytes: 0 });
    assert.ok(moved.ok);
    const table = readFileSync(moved.file);
    const warnings: string[] = [];
    const engine = new EngineClient({ workerPath, logger: { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } });
    const params = { prompt, sampling: { strategy: 'greedy' as const, maxNewTokens: 24 } };
    try {
      await engine.load({ dir, dtype: 'q8', threads: 1, layout: 'standard' });
      const standard = (await engine.generate(params)).text;
      await engine.load({ dir, dtype: 'q8', threads: 1 });
      assert.equal((await engine.generate(params)).text, standard, 'whole, the moved graph writes what the standard one does');
      assert.deepEqual(warnings, []);
      for (const [label, damage] of [
        ['missing', () => rmSync(moved.file)],
        ['truncated', () => writeFileSync(moved.file, table.subarray(0, table.length - 100))],
        ['another header', () => writeFileSync(moved.file, Buffer.concat([Buffer.from('NOTEMB01'), table.subarray(8)]))],
      ] as const) {
        damage();
        warnings.length = 0;
        await engine.load({ dir: testModelDir, dtype: 'fp32', threads: 1 }); // another model between, so the next load is a load
        await engine.load({ dir, dtype: 'q8', threads: 1 });
        assert.equal((await engine.generate(params)).text, standard, label);
        assert.ok(warnings.some((w) => /model_kvin_q8\.onnx has no usable model_kvin_q8\.onnx\.embeddings .*running model_quantized\.onnx instead/.test(w)), `${label}: ${warnings.join('\n')}`);
        writeFileSync(moved.file, table);
      }
      // Inkling's own 4-bit graph has no transformers.js graph of its precision to fall back on.
      const own = copyFolder(verseDir, ['model_kvin_q4.onnx']);
      folders.push(own);
      const ownMoved = await moveEmbeddingsOut(join(own, 'onnx', 'model_kvin_q4.onnx'), { minBytes: 0 });
      assert.ok(ownMoved.ok);
      rmSync(ownMoved.file);
      await assert.rejects(engine.load({ dir: own, dtype: 'q4', threads: 1 }), (e: Error & { code?: string }) => e.code === 'model-invalid' && /takes its embeddings from model_kvin_q4\.onnx\.embeddings, which could not be read/.test(e.message));
    } finally {
      await engine.dispose();
    }
  });
});

before(() => assert.ok(existsSync(join(verseDir, 'onnx', 'model_kvin_q4.onnx')), "Inkling's own model is in the checkout"));
