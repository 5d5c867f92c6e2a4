/**
 * The install-time rewrite of a downloaded transformers.js graph into the copy-free layout
 * (src/engine/graph/), on the real test model's two graphs: the file is written beside the
 * original, which stays byte for byte the same; the worker picks it; its logits match the
 * standard graph through chunked prefill, buffer growth and steps; every decoding path writes
 * the same text; and graphs that do not fit are left alone with a reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { LanguageModel } from '../../src/engine/model/languageModel';
import { emptyCache } from '../../src/engine/model/kvCache';
import { addCopyFreeGraph, rewriteCopyFree, type CopyFreeRecord } from '../../src/engine/graph/copyFreeRewrite';
import { WireError } from '../../src/engine/graph/protobufWire';
import type { ModelDtype } from '../../src/engine/protocol';
import { repoRoot, testModelDir, workerPath } from '../support/paths';

const prompt = 'Once upon a time, there was a little girl named Lily. She loved to play outside with her dog.';
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Largest logit difference per step between the rewritten graph and the standard one (and the
 * fp32 standard graph, for an int8 pair) on the same tokens: prefill in chunks of 5, then greedy steps.
 */
async function compare(dir: string, dtype: ModelDtype, steps: number): Promise<{ gaps: number[]; fastToFp32: number[]; standardToFp32: number[] }> {
  const fast = await LanguageModel.load({ dir, dtype, threads: 1 });
  const standard = await LanguageModel.load({ dir, dtype, threads: 1, layout: 'standard' });
  const reference = await LanguageModel.load({ dir, dtype: 'fp32', threads: 1, layout: 'standard' });
  const gap = (x: Float32Array, y: Float32Array) => x.reduce((worst, v, i) => Math.max(worst, Math.abs(v - y[i]!)), 0);
  try {
    assert.equal(fast.copyFree, true, `${dtype}: the rewritten graph is the one that runs`);
    assert.equal(standard.copyFree, false);
    const ids = fast.encode(prompt);
    let a = await fast.forward([ids], emptyCache(fast.layout), 5);
    let b = await standard.forward([ids], emptyCache(standard.layout), 5);
    let r = await reference.forward([ids], emptyCache(reference.layout), 5);
    assert.equal(a.logits.length, fast.vocabSize, 'one row of logits from a prefill');
    const out = { gaps: [] as number[], fastToFp32: [] as number[], standardToFp32: [] as number[] };
    for (let step = 0; step <= steps; step++) {
      out.gaps.push(gap(a.logits, b.logits));
      out.fastToFp32.push(gap(a.logits, r.logits));
      out.standardToFp32.push(gap(b.logits, r.logits));
      let next = 0;
      for (let i = 1; i < r.logits.length; i++) if (r.logits[i]! > r.logits[next]!) next = i;
      a = await fast.forward([[next]], a.cache);
      b = await standard.forward([[next]], b.cache);
      r = await reference.forward([[next]], r.cache);
    }
    assert.ok(a.cache.capacity! > 64, `the buffers grew (capacity ${a.cache.capacity})`);
    return out;
  } finally {
    await fast.dispose();
    await standard.dispose();
    await reference.dispose();
  }
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('the copy-free rewrite of a downloaded graph (stories260K)', () => {
  let dir: string;
  const records = new Map<ModelDtype, CopyFreeRecord>();
  const originals = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inkling-rewrite-'));
    mkdirSync(join(dir, 'onnx'));
    for (const f of readdirSync(testModelDir)) if (f.endsWith('.json')) copyFileSync(join(testModelDir, f), join(dir, f));
    for (const f of ['model.onnx', 'model_quantized.onnx']) {
      copyFileSync(join(testModelDir, 'onnx', f), join(dir, 'onnx', f));
      originals.set(f, sha(join(dir, 'onnx', f)));
    }
    for (const dtype of ['fp32', 'q8'] as const) records.set(dtype, await addCopyFreeGraph(dir, dtype));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the fast graph beside the original, which is unchanged, and cuts to the last position before the last MLP', () => {
    assert.deepEqual(readdirSync(join(dir, 'onnx')).sort(), ['model.onnx', 'model_kvin_f32.onnx', 'model_kvin_q8.onnx', 'model_quantized.onnx']);
    for (const [f, hash] of originals) assert.equal(sha(join(dir, 'onnx', f)), hash, `${f} unchanged`);
    for (const [dtype, record] of records) {
      assert.ok('file' in record, `${dtype}: ${JSON.stringify(record)}`);
      // stories260K's last layer: attention's residual, then norm, MLP, residual, final norm, head.
      assert.equal(record.cutAt, '/Add_34_output_0', dtype);
      assert.equal(record.lastPositionNodes, 22, dtype);
    }
  });

  test('fp32: the same logits as the standard graph through chunked prefill, two buffer growths and 100 steps', async () => {
    const { gaps } = await compare(dir, 'fp32', 100);
    assert.ok(Math.max(...gaps) < 1e-3, `largest logit difference ${Math.max(...gaps)}`);
  });

  test('q8: no further from the fp32 graph than the standard int8 graph is', async () => {
    // ORT runs these int8 weights as MatMulNBits, which rounds activations to int8 inside the
    // kernel: a 1e-7 difference in attention (its width is the buffer's, not the length) can flip
    // one rounding and move the logits by ~0.1 from then on — the same size as int8's own error.
    const { gaps, fastToFp32, standardToFp32 } = await compare(dir, 'q8', 100);
    assert.ok(Math.max(...gaps) < 0.5, `largest difference from the standard int8 graph ${Math.max(...gaps)}`);
    assert.ok(mean(fastToFp32) <= 1.2 * mean(standardToFp32) + 0.01, `mean distance from fp32: rewritten ${mean(fastToFp32)}, standard ${mean(standardToFp32)}`);
    assert.ok(mean(standardToFp32) > 0.01, 'the int8 graph is measurably not the fp32 one (the comparison means something)');
  });

  test('through the worker: greedy, seeded batches, beam search and probabilities write the standard graph\'s text', async () => {
    const fast = new EngineClient({ workerPath });
    const standard = new EngineClient({ workerPath });
    try {
      await fast.load({ dir, dtype: 'fp32', threads: 1 });
      await standard.load({ dir, dtype: 'fp32', threads: 1, layout: 'standard' });
      const requests = [
        { prompt, sampling: { strategy: 'greedy' as const, maxNewTokens: 120, repetitionPenalty: 1 } },
        { prompt, sampling: { seed: 5, temperature: 0.9, maxNewTokens: 40 }, n: 3 },
        { prompt, sampling: { strategy: 'beam' as const, numBeams: 3, maxNewTokens: 24 } },
        { prompt, sampling: { seed: 9, maxNewTokens: 20 }, probabilities: 3 },
      ];
      for (const r of requests) {
        const x = await fast.generate(r);
        const y = await standard.generate(r);
        assert.ok(x.text.length > 0);
        assert.equal(x.text, y.text, JSON.stringify(r.sampling));
        assert.deepEqual(x.alternatives?.map((s) => s.text), y.alternatives?.map((s) => s.text));
        if (r.probabilities) assert.deepEqual(x.tokens, y.tokens);
      }
    } finally {
      await fast.dispose();
      await standard.dispose();
    }
  });

  test('a copy-free graph that will not open costs nothing: the transformers.js graph runs, and the log says why', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'inkling-broken-'));
    const warnings: string[] = [];
    const engine = new EngineClient({ workerPath, logger: { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } });
    try {
      mkdirSync(join(broken, 'onnx'));
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) copyFileSync(join(dir, f), join(broken, f));
      copyFileSync(join(dir, 'onnx', 'model_quantized.onnx'), join(broken, 'onnx', 'model_quantized.onnx'));
      writeFileSync(join(broken, 'onnx', 'model_kvin_q8.onnx'), readFileSync(join(dir, 'onnx', 'model_kvin_q8.onnx')).subarray(0, 20_000));
      await engine.load({ dir: broken, dtype: 'q8', threads: 1 });
      const params = { prompt, sampling: { strategy: 'greedy' as const, maxNewTokens: 24 } };
      const fromBroken = await engine.generate(params);
      await engine.load({ dir, dtype: 'q8', threads: 1, layout: 'standard' });
      assert.equal(fromBroken.text, (await engine.generate(params)).text);
      assert.ok(warnings.some((w) => /model_kvin_q8\.onnx could not be loaded .*running model_quantized\.onnx instead/.test(w)), warnings.join('\n'));
      // One that opens but fails when it runs (here: its last-position index patched out of range).
      const fast = readFileSync(join(dir, 'onnx', 'model_kvin_f32.onnx'));
      const at = fast.indexOf(Buffer.concat([Buffer.from('inkling/last_position'), Buffer.from([0x4a, 0x08])]));
      assert.ok(at > 0, 'the index initializer is in the file');
      fast.writeBigInt64LE(1000n, at + 'inkling/last_position'.length + 2);
      writeFileSync(join(broken, 'onnx', 'model_kvin_f32.onnx'), fast);
      copyFileSync(join(dir, 'onnx', 'model.onnx'), join(broken, 'onnx', 'model.onnx'));
      await engine.load({ dir: broken, dtype: 'fp32', threads: 1 });
      const fromFailing = await engine.generate(params);
      await engine.load({ dir, dtype: 'fp32', threads: 1, layout: 'standard' });
      assert.equal(fromFailing.text, (await engine.generate(params)).text);
      assert.ok(warnings.some((w) => /model_kvin_f32\.onnx failed its first run .*running model\.onnx instead/.test(w)), warnings.join('\n'));
      // With no transformers.js graph to fall back on, the writer gets the load error as before.
      rmSync(join(broken, 'onnx', 'model_quantized.onnx'));
      writeFileSync(join(broken, 'onnx', 'model_kvin_q4.onnx'), 'not a model');
      await assert.rejects(engine.load({ dir: broken, dtype: 'q4', threads: 1 }), (e: Error & { code?: string }) => e.code === 'model-load-failed' && /could not be loaded/.test(e.message));
    } finally {
      await engine.dispose();
      rmSync(broken, { recursive: true, force: true });
    }
  });

  test('what does not fit is left alone, with a reason; a broken file throws and leaves nothing behind', async () => {
    assert.deepEqual(await addCopyFreeGraph(dir, 'q8'), { skipped: 'onnx/model_kvin_q8.onnx is already there' });
    assert.deepEqual(await addCopyFreeGraph(dir, 'fp16'), { skipped: 'no copy-free layout for fp16 (its cache is not float32)' });
    assert.deepEqual(await addCopyFreeGraph(dir, 'int8'), { skipped: 'onnx/model_int8.onnx is missing' });
    const kvin = join(repoRoot, 'test', 'fixtures', 'kvin-stories260K', 'onnx', 'model_kvin_f32.onnx');
    const out = join(dir, 'again.onnx');
    assert.deepEqual(await rewriteCopyFree(kvin, out), { ok: false, reason: 'the graph is already copy-free' });
    assert.equal(existsSync(out), false);
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(join(dir, 'onnx', 'model.onnx')).subarray(0, 300_000));
    await assert.rejects(rewriteCopyFree(truncated, out), WireError);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.partial')), [], 'no partial file left');
    // A model that attends through a sliding window: its slots are not positions in a buffer with gaps.
    const windowed = mkdtempSync(join(tmpdir(), 'inkling-window-'));
    try {
      mkdirSync(join(windowed, 'onnx'));
      copyFileSync(join(dir, 'onnx', 'model.onnx'), join(windowed, 'onnx', 'model.onnx'));
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(windowed, 'config.json'), JSON.stringify({ ...config, sliding_window: 4096 }));
      assert.deepEqual(await addCopyFreeGraph(windowed, 'fp32'), { skipped: 'the model attends through a sliding window of 4096 tokens' });
      writeFileSync(join(windowed, 'config.json'), JSON.stringify({ ...config, sliding_window: 4096, use_sliding_window: false }));
      assert.ok('file' in (await addCopyFreeGraph(windowed, 'fp32')), 'Qwen2-style: a window configured but not used');
    } finally {
      rmSync(windowed, { recursive: true, force: true });
    }
  });
});
