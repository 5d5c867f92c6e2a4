/**
 * Hostile input to the engine: the host⇄worker protocol fuzzed (malformed, out-of-order, oversized
 * messages) against the real worker process, broken model folders, and the CLI given bad arguments.
 * The worker never dies of it and keeps answering; every failure is one clear message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient, EngineRequestError } from '../../src/client/engineClient';
import { PROTOCOL_VERSION, type WorkerMessage } from '../../src/engine/protocol';
import { Fuzz, FUZZ_SEED } from '../support/fuzz';
import { cliPath, repoRoot, testModelDir, workerPath } from '../support/paths';

const CASES = Number(process.env.INKLING_FUZZ_CASES ?? 150);

describe('the worker, fed garbage', () => {
  let worker: ChildProcess;
  const received: WorkerMessage[] = [];
  before(async () => {
    worker = fork(workerPath, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    worker.on('message', (m: WorkerMessage) => received.push(m));
    worker.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
    worker.send({ type: 'load', id: 1, model: { dir: testModelDir, dtype: 'fp32', threads: 1 } });
    await waitFor(() => received.some((m) => m.type === 'loaded'));
  });
  after(() => {
    worker.kill('SIGKILL');
  });

  async function waitFor(ok: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test(`${CASES} malformed, out-of-order and oversized messages: the worker stays up, and a real request then works`, async () => {
    const f = new Fuzz(FUZZ_SEED);
    const pid = worker.pid;
    for (let i = 0; i < CASES; i++) {
      const kind = f.int(6);
      let message: unknown;
      if (kind === 0) message = f.json(4);
      else if (kind === 1) message = { type: 'generate', id: f.int(1000), params: f.json(3) };
      else if (kind === 2) message = { type: 'generate', id: 1000 + i, params: { prompt: f.text(300), sampling: f.json(2), n: f.json(1), form: f.json(2), stream: f.json(1), caller: f.json(1) } };
      else if (kind === 3) message = { type: f.pick(['cancel', 'tokenize', 'load', 'hello', 'nonsense']), id: f.json(1), text: f.json(1), model: f.json(2), protocolVersion: f.json(1) };
      else if (kind === 4) message = { type: 'tokenize', id: 5000 + i, text: f.text(f.pick([10, 100_000])) };
      else message = { type: 'cancel', id: f.int(2000) };
      worker.send(message as object);
    }
    // Then a real request answers.
    const before = received.length;
    worker.send({ type: 'generate', id: 99_999, params: { prompt: 'Once upon a time', sampling: { maxNewTokens: 5, seed: 1 } } });
    await waitFor(() => received.slice(before).some((m) => (m.type === 'done' || m.type === 'error') && m.id === 99_999), 60_000);
    const answer = received.find((m) => m.type === 'done' && m.id === 99_999);
    assert.ok(answer, 'the real request is answered');
    assert.equal(worker.pid, pid);
    assert.equal(worker.exitCode, null, 'the worker is alive');
    const errors = received.filter((m) => m.type === 'error');
    assert.ok(errors.length > 0, 'malformed requests were answered with errors');
    for (const e of errors) assert.ok(e.type === 'error' && typeof e.message === 'string' && e.message.length > 0 && !/\n\s+at /.test(e.message), `one clear message: ${JSON.stringify(e)}`);
  });
});

describe('broken model folders', () => {
  let scratch: string;
  let client: EngineClient;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'inkling-broken-'));
    client = new EngineClient({ workerPath, restartDelaysMs: [50, 100] });
  });
  after(async () => {
    await client.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  function copy(name: string): string {
    const dir = join(scratch, name);
    cpSync(testModelDir, dir, { recursive: true });
    return dir;
  }

  test('a truncated .onnx, another model\'s tokenizer, absurd config sizes, a symlink loop: each a clear error, and the worker recovers', async () => {
    const truncated = copy('truncated');
    const onnx = join(truncated, 'onnx', 'model.onnx');
    truncateSync(onnx, Math.floor(statSync(onnx).size / 3));
    const foreign = copy('foreign-tokenizer');
    writeFileSync(join(foreign, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' }, added_tokens: [] }));
    const absurd = copy('absurd-config');
    const config = JSON.parse(readFileSync(join(absurd, 'config.json'), 'utf8'));
    writeFileSync(join(absurd, 'config.json'), JSON.stringify({ ...config, vocab_size: 1e12, max_position_embeddings: -5, eos_token_id: 'x' }));
    const loop = join(scratch, 'loop');
    symlinkSync(loop, loop);
    for (const [dir, pattern] of [[truncated, /could not be loaded|corrupt/], [foreign, /tokenizer|vocabulary|does not match|could not/i], [absurd, /config\.json gives (max_position_embeddings -5|vocab_size 1000000000000), which no model has/], [loop, /not found|could not|loop|Model folder/i]] as const) {
      try {
        const info = await client.load({ dir, dtype: 'fp32', threads: 1 });
        // A folder that loads must also write (absurd sizes are corrected, not trusted).
        const r = await client.generate({ prompt: 'Once upon a time', sampling: { maxNewTokens: 3 } });
        assert.ok(info.contextLength > 0 && r.stats.newTokens >= 0, dir);
      } catch (e) {
        assert.ok(e instanceof EngineRequestError, `${dir}: ${e}`);
        assert.match(e.message, pattern, dir);
        assert.ok(!/\n\s+at /.test(e.message), 'no stack trace');
      }
    }
    await client.load({ dir: testModelDir, dtype: 'fp32', threads: 1 });
    const ok = await client.generate({ prompt: 'Once upon a time', sampling: { maxNewTokens: 4 } });
    assert.ok(ok.text.length > 0, 'the worker writes again with a good model');
  });
});

describe('the worker in the writer\'s language', () => {
  test('with the zh-cn bundle the host names, a model folder it cannot use is said in Chinese; without one, in English', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'inkling-l10n-'));
    const dir = join(scratch, 'no-tokenizer');
    cpSync(testModelDir, dir, { recursive: true });
    rmSync(join(dir, 'tokenizer.json'));
    const zh = new EngineClient({ workerPath, restartDelaysMs: [], env: { INKLING_L10N_BUNDLE: join(repoRoot, 'l10n', 'bundle.l10n.zh-cn.json') } });
    const en = new EngineClient({ workerPath, restartDelaysMs: [] });
    try {
      await assert.rejects(zh.load({ dir, dtype: 'fp32', threads: 1 }), (e: Error) => e.message === `模型文件夹中没有 tokenizer.json：${dir}。`);
      await assert.rejects(en.load({ dir, dtype: 'fp32', threads: 1 }), (e: Error) => e.message === `Model folder has no tokenizer.json: ${dir}.`);
      // The worker's own messages too, not only the folder checks it shares with the host.
      const garbled = join(scratch, 'garbled-tokenizer');
      cpSync(testModelDir, garbled, { recursive: true });
      writeFileSync(join(garbled, 'tokenizer.json'), 'not json');
      await assert.rejects(zh.load({ dir: garbled, dtype: 'fp32', threads: 1 }), (e: Error) => e.message.startsWith('无法读取模型的分词器（') && e.message.endsWith(`文件夹可能不完整：${garbled}。`));
    } finally {
      await zh.dispose();
      await en.dispose();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the CLI, given bad arguments', () => {
  test('every bad argument is one line on stderr and a non-zero exit, never a stack trace', () => {
    const f = new Fuzz(FUZZ_SEED + 7);
    const flags = ['--model', '--dtype', '--threads', '--max-tokens', '--temperature', '--top-k', '--top-p', '--seed', '--strategy', '--beams', '--form', '--lines', '--n', '--server', '--server-kind', '--stop', '--bogus', '-x'];
    const cases = [
      ['continue'],
      ['frobnicate', 'x'],
      ['continue', '/no/such/file'],
      ['continue', '-', '--model', '/etc'],
      ['continue', '-', '--dtype', 'q3'],
      ['continue', '-', '--threads', 'many'],
      ['continue', '-', '--form', '{not json'],
      ['continue', '-', '--server', 'ftp://x'],
      ['continue', '-', '--server', 'http://10.0.0.9:8080'],
      ['eval-form'],
      ['eval-form', '/no/such/dir'],
      ...Array.from({ length: Math.min(12, CASES) }, () => ['continue', '-', ...Array.from({ length: f.int(4) + 1 }, () => [f.pick(flags), f.pick(['-1', 'x', '', '1e309', 'NaN', '{}', '999999999'])]).flat()]),
    ];
    for (const args of cases) {
      const r = spawnSync(process.execPath, [cliPath, ...args], { input: 'Once upon a time', encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
      assert.ok(!/\n\s+at .+:\d+:\d+/.test(r.stderr), `no stack trace for ${JSON.stringify(args)}:\n${r.stderr}`);
      if (r.status !== 0) assert.match(r.stderr, /^inkling: /m, `${JSON.stringify(args)} says what is wrong`);
    }
  });

  test("a model the CLI cannot use is named with the command line's options, not only the editor's", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, 'continue', '-', ...args], { input: 'Once upon a time', encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
    const missing = run('--model', join(tmpdir(), 'inkling-no-such-model'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^inkling: Model folder not found: .* On the command line, --model DIR names the model folder\.\n$/);
    // stories260K has fp32 and q8 graphs only: the message says so.
    const precision = run('--model', testModelDir, '--dtype', 'fp16');
    assert.equal(precision.status, 1);
    assert.match(precision.stderr, /no onnx\/model_fp16\.onnx for precision "fp16": .*\. It has fp32, q8\. On the command line, --model DIR names the model folder and --dtype its precision\./);
  });
});
