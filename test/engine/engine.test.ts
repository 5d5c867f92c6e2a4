/**
 * The engine end to end on the real test model: the worker child process, the client, the
 * decode loop with KV reuse, cancellation, faults and crash recovery.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient, EngineRequestError, errorReport, type EngineState } from '../../src/client/engineClient';
import type { ModelSpec } from '../../src/engine/protocol';
import { testModelDir, workerPath } from '../support/paths';

const model: ModelSpec = { dir: testModelDir, dtype: 'fp32', threads: 1 };
const prompt = 'Once upon a time, there was a little girl named Lily. She';

function newClient(): EngineClient {
  return new EngineClient({ workerPath, restartDelaysMs: [50, 100] });
}

describe('engine on stories260K', () => {
  let client: EngineClient;
  before(async () => {
    client = newClient();
    await client.load(model);
  });
  after(() => client.dispose());

  test('the same seed gives the same text; another seed another text', async () => {
    const sampling = { seed: 1234, temperature: 1, maxNewTokens: 24 };
    const a = await client.generate({ prompt, sampling });
    const b = await client.generate({ prompt, sampling });
    const c = await client.generate({ prompt, sampling: { ...sampling, seed: 99 } });
    assert.ok(a.text.length > 10);
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, c.text);
    assert.equal(a.stats.seed, 1234);
    assert.equal(a.stats.model, 'stories260K');
  });

  test('greedy over a reused cache equals greedy from scratch, token for token', async () => {
    const greedy = { strategy: 'greedy' as const, maxNewTokens: 30 };
    await client.generate({ prompt, sampling: greedy });
    const grown = `${prompt} liked to play`;
    const warm = await client.generate({ prompt: grown, sampling: greedy });
    assert.ok(warm.stats.reusedTokens > 5, `reused ${warm.stats.reusedTokens}`);
    const fresh = newClient();
    try {
      await fresh.load(model);
      const cold = await fresh.generate({ prompt: grown, sampling: greedy });
      assert.equal(cold.stats.reusedTokens, 0);
      assert.equal(warm.text, cold.text);
      assert.equal(warm.meanLogProb.toFixed(3), cold.meanLogProb.toFixed(3));
    } finally {
      await fresh.dispose();
    }
  });

  test('a prompt longer than the context keeps its cut as it grows: the cache is reused, and greedy equals a cold start', async () => {
    const greedy = { strategy: 'greedy' as const, maxNewTokens: 16 };
    const context = client.model!.contextLength;
    let long = prompt;
    while ((await client.countTokens(long)) < context * 1.5) long += ' She went to the park with her mom and saw a big red ball.';
    const a = await client.generate({ prompt: long, sampling: greedy });
    assert.ok(a.stats.promptTokens <= context - 16, `${a.stats.promptTokens} prompt tokens fit a context of ${context}`);
    const grown = `${long} Lily said`;
    const warm = await client.generate({ prompt: grown, sampling: greedy });
    assert.ok(warm.stats.reusedTokens >= a.stats.promptTokens - 2, `reused ${warm.stats.reusedTokens} of ${a.stats.promptTokens}`);
    const fresh = newClient();
    try {
      await fresh.load(model);
      const cold = await fresh.generate({ prompt: grown, sampling: greedy });
      assert.equal(cold.stats.reusedTokens, 0);
      assert.equal(cold.stats.promptTokens, warm.stats.promptTokens, 'the cut depends on the prompt alone');
      assert.equal(warm.text, cold.text);
    } finally {
      await fresh.dispose();
    }
  });

  test('an exact repeat reuses all but the last prompt token', async () => {
    const a = await client.generate({ prompt, sampling: { seed: 5, maxNewTokens: 4 } });
    const b = await client.generate({ prompt, sampling: { seed: 5, maxNewTokens: 4 } });
    assert.equal(b.stats.reusedTokens, a.stats.promptTokens - 1);
    assert.equal(a.text, b.text);
  });

  test('cancel stops within one token', async () => {
    const controller = new AbortController();
    let tokensAfterAbort = 0;
    let aborted = false;
    const result = await client.generate(
      { prompt, sampling: { maxNewTokens: 400, seed: 3 }, stream: true },
      {
        signal: controller.signal,
        onToken: () => {
          if (aborted) tokensAfterAbort++;
          else {
            aborted = true;
            controller.abort();
          }
        },
      },
    );
    assert.equal(result.stopReason, 'cancelled');
    // The worker stops at the next token once the cancel reaches it; tokens already in the pipe
    // are not handed to the caller.
    assert.ok(result.stats.tokensAfterCancel !== undefined && result.stats.tokensAfterCancel <= 1, `worker made ${result.stats.tokensAfterCancel} tokens after cancel`);
    assert.equal(tokensAfterAbort, 0, `${tokensAfterAbort} tokens reached the caller after abort`);
    assert.ok(result.stats.newTokens < 20, `generated ${result.stats.newTokens}`);
  });

  test('a newer request from the same caller supersedes the older one', async () => {
    const first = client.generate({ prompt, sampling: { maxNewTokens: 300, seed: 1 }, caller: 'doc-1' });
    const second = client.generate({ prompt: `${prompt} went`, sampling: { maxNewTokens: 8, seed: 1 }, caller: 'doc-1' });
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.stopReason, 'cancelled');
    assert.notEqual(b.stopReason, 'cancelled');
    assert.ok(b.text.length > 0);
  });

  test('stop strings end the continuation before the stop', async () => {
    const r = await client.generate({ prompt, sampling: { seed: 11, maxNewTokens: 100, stopStrings: ['.'] } });
    assert.equal(r.stopReason, 'stop');
    assert.ok(!r.text.includes('.'), r.text);
    assert.ok(r.text.length > 0);
  });

  test('beam search returns its best beam, scoring at least as well as greedy', async () => {
    const settings = { maxNewTokens: 12, repetitionPenalty: 1 };
    const beam = await client.generate({ prompt, sampling: { ...settings, strategy: 'beam', numBeams: 4 } });
    // Log-probabilities are reported when asked for (they cost a pass over the vocabulary); beam search always has them.
    const greedy = await client.generate({ prompt, sampling: { ...settings, strategy: 'greedy' }, probabilities: 1 });
    assert.ok(beam.alternatives && beam.alternatives.length >= 2);
    const scores = beam.alternatives.map((a) => a.score!);
    assert.deepEqual(scores, [...scores].sort((x, y) => y - x), 'beams best first');
    assert.equal(beam.text, beam.alternatives[0]!.text);
    assert.ok(beam.meanLogProb >= greedy.meanLogProb - 1e-6, `beam ${beam.meanLogProb} < greedy ${greedy.meanLogProb}`);
  });

  test('n samples come back as a batch, each reproducible from its own seed', async () => {
    const batch = await client.generate({ prompt, sampling: { seed: 40, maxNewTokens: 10, temperature: 1.2 }, n: 3 });
    assert.equal(batch.alternatives?.length, 3);
    assert.deepEqual(batch.alternatives!.map((a) => a.seed), [40, 41, 42]);
    assert.ok(new Set(batch.alternatives!.map((a) => a.text)).size >= 2);
    const single = await client.generate({ prompt, sampling: { seed: 41, maxNewTokens: 10, temperature: 1.2 } });
    assert.equal(single.text, batch.alternatives![1]!.text);
  });

  test('states are reported while working', async () => {
    const seen: EngineState[] = [];
    const listener = (s: EngineState) => seen.push(s);
    client.on('state', listener);
    await client.generate({ prompt, sampling: { maxNewTokens: 4 } });
    client.off('state', listener);
    assert.ok(seen.includes('generating'));
    assert.equal(client.state, 'ready');
  });
});

describe('faults', () => {
  let client: EngineClient;
  let scratch: string;
  before(() => {
    client = newClient();
    scratch = mkdtempSync(join(tmpdir(), 'inkling-faults-'));
  });
  after(async () => {
    await client.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function expectError(spec: ModelSpec, code: string, pattern: RegExp) {
    await assert.rejects(client.load(spec), (e: unknown) => {
      assert.ok(e instanceof EngineRequestError);
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    });
  }

  test('each broken model is a clear error and the worker stays usable', async () => {
    await client.load(model);
    const pid = client.pid;
    await expectError({ ...model, dir: join(scratch, 'nowhere') }, 'model-missing', /not found.*Choose another model/);
    const noConfig = join(scratch, 'no-config');
    cpSync(testModelDir, noConfig, { recursive: true });
    rmSync(join(noConfig, 'config.json'));
    await expectError({ ...model, dir: noConfig }, 'model-invalid', /no config\.json/);
    const corrupt = join(scratch, 'corrupt');
    cpSync(testModelDir, corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'onnx', 'model.onnx'), 'this is not an onnx file');
    await expectError({ ...model, dir: corrupt }, 'model-load-failed', /could not be loaded.*corrupt/);
    await expectError({ ...model, dtype: 'q3' as never }, 'bad-request', /Unknown model precision "q3"/);
    await client.load(model);
    const ok = await client.generate({ prompt, sampling: { maxNewTokens: 5 } });
    assert.ok(ok.text.length > 0);
    assert.equal(client.pid, pid, 'same worker process throughout');
  });

  test('kill -9 mid-generation rejects the call; the next call works after a restart', async () => {
    await client.load(model);
    const pid = client.pid!;
    let killed = false;
    const pending = client.generate(
      { prompt, sampling: { maxNewTokens: 400 }, stream: true },
      {
        onToken: () => {
          if (!killed) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        },
      },
    );
    await assert.rejects(pending, (e: unknown) => e instanceof EngineRequestError && e.code === 'worker-crashed');
    const after = await client.generate({ prompt, sampling: { maxNewTokens: 5, seed: 2 } });
    assert.ok(after.text.length > 0);
    assert.notEqual(client.pid, pid);
  });
});

describe('memory given back when idle', () => {
  test('after the idle time the worker stops and says why; the next request loads the model again', async () => {
    const client = new EngineClient({ workerPath, idleUnloadMs: 300 });
    const states: string[] = [];
    client.on('state', (s: EngineState, detail?: string) => states.push(`${s}${detail ? `: ${detail}` : ''}`));
    try {
      await client.load(model);
      const first = client.pid!;
      await client.generate({ prompt, sampling: { maxNewTokens: 4 } });
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(client.pid, undefined, 'the worker process is gone');
      assert.equal(client.state, 'stopped');
      assert.ok(states.some((s) => /^stopped: unloaded after/.test(s)), states.join(' | '));
      let alive = true;
      try {
        process.kill(first, 0);
      } catch {
        alive = false;
      }
      assert.equal(alive, false, 'its memory is back with the system');
      const again = await client.generate({ prompt, sampling: { maxNewTokens: 4, seed: 1 } });
      assert.ok(again.text.length > 0);
      assert.ok(client.pid && client.pid !== first);
      // Busy: a request in flight is never cut by the idle timer.
      client.setIdleUnload(50);
      const long = await client.generate({ prompt, sampling: { maxNewTokens: 200 } });
      assert.notEqual(long.stopReason, 'cancelled');
    } finally {
      await client.dispose();
    }
  });
});

describe('the worker\'s memory allocator', () => {
  const environOf = (pid: number) => new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  test('the worker runs with a fixed 256 KB mmap threshold, and a value the writer set stays', { skip: process.platform !== 'linux' && '/proc is Linux-only' }, async () => {
    const plain = new EngineClient({ workerPath });
    const theirs = new EngineClient({ workerPath, env: { MALLOC_MMAP_THRESHOLD_: '1048576' } });
    try {
      await plain.load(model);
      await theirs.load(model);
      assert.equal(environOf(plain.pid!).get('MALLOC_MMAP_THRESHOLD_'), '262144');
      assert.equal(environOf(theirs.pid!).get('MALLOC_MMAP_THRESHOLD_'), '1048576');
      assert.ok((await plain.generate({ prompt, sampling: { maxNewTokens: 8, seed: 3 } })).text.length > 0);
    } finally {
      await plain.dispose();
      await theirs.dispose();
    }
  });

  test('the worker runs with a 4 MB young generation, unless the caller gives its own flags', { skip: process.platform !== 'linux' && '/proc is Linux-only' }, async () => {
    const argsOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const shipped = new EngineClient({ workerPath });
    const theirs = new EngineClient({ workerPath, execArgv: ['--max-old-space-size=512'] });
    try {
      await shipped.load(model);
      await theirs.load(model);
      assert.ok(argsOf(shipped.pid!).includes('--max-semi-space-size=4'), argsOf(shipped.pid!).join(' '));
      assert.ok(!argsOf(theirs.pid!).includes('--max-semi-space-size=4'), argsOf(theirs.pid!).join(' '));
      assert.ok(argsOf(theirs.pid!).includes('--max-old-space-size=512'), argsOf(theirs.pid!).join(' '));
      assert.ok((await shipped.generate({ prompt, sampling: { maxNewTokens: 8, seed: 3 } })).text.length > 0);
    } finally {
      await shipped.dispose();
      await theirs.dispose();
    }
  });
});

describe('the garbage of a load', () => {
  test('is collected once the worker is idle after the load and after its first generation (the shipped flags expose gc), and not again', async () => {
    const collected = (logs: string[]) => logs.filter((m) => m.startsWith('Collected the garbage left by loading')).length;
    const recording = (logs: string[]) => ({ trace: (m: string) => logs.push(m), debug: (m: string) => logs.push(m), info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) });
    const shippedLogs: string[] = [];
    const bareLogs: string[] = [];
    const shipped = new EngineClient({ workerPath, logger: recording(shippedLogs) });
    const bare = new EngineClient({ workerPath, logger: recording(bareLogs), execArgv: ['--max-semi-space-size=4'] });
    // A token count is answered after any collection the last job made due (the worker collects
    // before it reads its next message), and its log comes first: a barrier, not a sleep.
    const settled = async (client: EngineClient) => assert.ok((await client.countTokens('settled')) > 0);
    try {
      for (const client of [shipped, bare]) {
        await client.load(model);
        await settled(client);
      }
      assert.equal(collected(shippedLogs), 1, 'after the load');
      for (let i = 0; i < 3; i++) {
        for (const client of [shipped, bare]) {
          assert.ok((await client.generate({ prompt, sampling: { maxNewTokens: 8, seed: i } })).text.length > 0);
          await settled(client);
        }
      }
      assert.equal(collected(shippedLogs), 2, 'and after the first request only');
      assert.equal(collected(bareLogs), 0, 'without --expose-gc the worker does not try');
      assert.ok(bareLogs.some((m) => m.startsWith('Loaded ')), 'the bare worker logged as the other did');
    } finally {
      await shipped.dispose();
      await bare.dispose();
    }
  });
});

describe('a manuscript of megabytes', () => {
  test('only its end is tokenized: the prompt fits the context, and typing at its end reuses the cache', async () => {
    const client = newClient();
    try {
      await client.load(model);
      const para = 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n\n';
      const novel = para.repeat(Math.ceil(3_000_000 / para.length));
      const a = await client.generate({ prompt: novel, sampling: { maxNewTokens: 4, seed: 1 } });
      assert.ok(a.stats.promptTokens <= 512, `${a.stats.promptTokens} prompt tokens`);
      const b = await client.generate({ prompt: `${novel}He said`, sampling: { maxNewTokens: 4, seed: 1 } });
      assert.ok(b.stats.reusedTokens > 100, `reused ${b.stats.reusedTokens} tokens of a 3 MB prompt`);
    } finally {
      await client.dispose();
    }
  });
});

describe('a crash is logged once', () => {
  test('kill -9: one log line for the crash, and the rejected call says it is logged, so the extension only shows it', async () => {
    const errors: string[] = [];
    const client = new EngineClient({ workerPath, restartDelaysMs: [50], logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) } });
    try {
      await client.load(model);
      const pid = client.pid!;
      let killed = false;
      const pending = client.generate({ prompt, sampling: { maxNewTokens: 400 }, stream: true }, { onToken: () => void (killed || ((killed = true), process.kill(pid, 'SIGKILL'))) });
      let rejected: EngineRequestError | undefined;
      await assert.rejects(pending, (e: unknown) => ((rejected = e as EngineRequestError), e instanceof EngineRequestError && e.code === 'worker-crashed'));
      assert.equal(errors.filter((m) => /stopped unexpectedly/.test(m)).length, 1, `the crash is logged once: ${errors.join(' | ')}`);
      assert.deepEqual(errorReport(rejected!), { show: true, log: false }, 'shown to the writer, not logged again');
    } finally {
      await client.dispose();
    }
  });

  test('errors the client has not logged are logged by whoever reports them; only actionable ones are shown', () => {
    assert.deepEqual(errorReport({ code: 'model-invalid' }), { show: true, log: true });
    assert.deepEqual(errorReport({ code: 'worker-crashed' }), { show: true, log: true });
    assert.deepEqual(errorReport({ code: 'generation-failed' }), { show: false, log: true });
    assert.deepEqual(errorReport({ code: 'bad-request', logged: true }), { show: false, log: false });
  });
});

describe('a prompt that ends in a space', () => {
  let client: EngineClient;
  before(async () => {
    client = newClient();
    await client.load(model);
  });
  after(() => client.dispose());

  // Word beginnings the test model finishes as words when the prompt ends on them.
  const fragments = ['Once upon a ti', 'They played in the par', 'He felt very sa', 'Lily saw a beauti'];

  test('is continued with a new word, not the end of the word before it (single, batch, beam, streamed)', async () => {
    for (const fragment of fragments) {
      const joined = await client.generate({ prompt: fragment, sampling: { strategy: 'greedy', maxNewTokens: 6 } });
      assert.match(joined.text, /^\p{L}/u, `without the space the model finishes "${fragment}": ${JSON.stringify(joined.text)}`);
      const head = joined.text.split(/\s/)[0]!;
      const greedy = await client.generate({ prompt: `${fragment} `, sampling: { strategy: 'greedy', maxNewTokens: 6 } });
      let streamed = '';
      const sampled = await client.generate({ prompt: `${fragment} `, sampling: { seed: 3, maxNewTokens: 6 }, stream: true }, { onToken: (t) => (streamed += t) });
      const batch = await client.generate({ prompt: `${fragment} `, sampling: { seed: 3, maxNewTokens: 6 }, n: 3 });
      const beam = await client.generate({ prompt: `${fragment} `, sampling: { strategy: 'beam', numBeams: 2, maxNewTokens: 6 } });
      for (const [how, text] of [['greedy', greedy.text], ['sampled', sampled.text], ...batch.alternatives!.map((a, i) => [`batch row ${i}`, a.text]), ['beam', beam.text]] as [string, string][]) {
        assert.match(text, /^\S/, `${how}: the space is not written twice: ${JSON.stringify(text)}`);
        assert.ok(!text.startsWith(head), `${how}: "${fragment} " + ${JSON.stringify(text)} begins a new word`);
      }
      assert.equal(streamed, sampled.text, 'the streamed text is the returned text');
      assert.equal(batch.alternatives![0]!.text, sampled.text, 'batch row 0 equals the single request with its seed');
    }
  });

  test('the trailing space is not fed to the model: "word " reuses the cache of "word"', async () => {
    await client.generate({ prompt: 'Once upon a time there was a girl', sampling: { maxNewTokens: 2 } });
    const spaced = await client.generate({ prompt: 'Once upon a time there was a girl ', sampling: { maxNewTokens: 2 } });
    assert.equal(spaced.stats.promptTokens, (await client.generate({ prompt: 'Once upon a time there was a girl', sampling: { maxNewTokens: 2 } })).stats.promptTokens);
  });
});

describe('restart', () => {
  test('a restart while a failing load is in flight loads the model asked for on the fresh worker', async () => {
    const client = newClient();
    const scratch = mkdtempSync(join(tmpdir(), 'inkling-restart-'));
    try {
      await client.load(model);
      const broken = join(scratch, 'no-tokenizer');
      cpSync(testModelDir, broken, { recursive: true });
      rmSync(join(broken, 'tokenizer.json'));
      const failing = client.load({ ...model, dir: broken }).catch((e: Error) => e);
      client.setModel(model);
      const info = await client.restart();
      assert.equal(info.name, 'stories260K');
      assert.ok(client.model, 'a model is loaded after the restart');
      assert.ok((await failing) instanceof EngineRequestError);
      const ok = await client.generate({ prompt, sampling: { maxNewTokens: 4 } });
      assert.ok(ok.text.length > 0);
    } finally {
      await client.dispose();
      rmSync(scratch, { recursive: true, force: true });
    }
  });


  test('restart replaces the worker without counting a crash', async () => {
    const client = newClient();
    try {
      await client.load(model);
      const pid = client.pid;
      const states: EngineState[] = [];
      client.on('state', (s: EngineState) => states.push(s));
      await client.restart();
      assert.notEqual(client.pid, pid);
      const r = await client.generate({ prompt, sampling: { maxNewTokens: 4 } });
      assert.ok(r.text.length > 0);
      assert.ok(!states.includes('error'));
    } finally {
      await client.dispose();
    }
  });
});
