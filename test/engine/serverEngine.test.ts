/**
 * The server engine against a real llama.cpp llama-server (from ../shared/llama-server, serving
 * the test model converted to GGUF): streaming, seeds, cancelling, form-keeping by grammar, token
 * probabilities, a new word after a space, the server killed mid-stream and restarted — and the
 * same greedy text as Inkling's own worker on the same model.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerEngine } from '../../src/client/server/serverEngine';
import { EngineClient } from '../../src/client/engineClient';
import { EngineRequestError } from '../../src/client/writingEngine';
import { groupBand, heardVowelGroups } from '../../src/writing/verse/lines/lineGrammar';
import { lineRhymeKey } from '../../src/writing/verse/sound/rhyme';
import { lineRhymesWith } from '../../src/writing/verse/lines/lineEnding';
import { planLine } from '../../src/writing/verse/lines/linePlan';
import { BannedPhrases } from '../../src/writing/settings/bannedPhrases';
import { loadPronouncingDictionary } from '../../src/writing/verse/sound/pronouncingDictionary';
import { inklingGguf, llamaServerAvailable, startLlamaServer, storiesGguf, type LlamaServer } from '../support/llamaServer';
import { corpusDir, repoRoot, sharedDir, testModelDir, workerPath } from '../support/paths';
import { Fuzz, FUZZ_SEED } from '../support/fuzz';
import { buildGhostRequest, SERVER_GHOST_PROMPT_CHARS } from '../../src/writing/prompts/ghost/ghostRequest';
import { buildContinuationRequest } from '../../src/writing/prompts/commands/continuationRequest';
import { commandParams } from '../../src/writing/prompts/commands/commandParams';
import { DEFAULT_FORM_SETTINGS, ghostForm, withForm } from '../../src/writing/verse/lines/formRequest';
import { validateSampling } from '../../src/writing/settings/samplingSettings';

const prompt = 'Once upon a time, there was a little girl named Lily. She';
const poem = 'The morning light is soft upon the hill,\nAnd every bird is singing in the tree;\nThe river runs beside the ancient mill,\nAnd all the fields are green as green can be.\n\n';

describe('server engine on a real llama-server', { skip: !llamaServerAvailable() && 'no llama-server packages beside the checkout' }, () => {
  let server: LlamaServer;
  let engine: ServerEngine;
  before(async () => {
    await loadPronouncingDictionary();
    server = await startLlamaServer(storiesGguf, { ctx: 512 });
    engine = new ServerEngine({ url: server.url, kind: 'auto', model: '' });
  });
  after(async () => {
    await engine?.dispose();
    await server?.stop();
  });

  test('finds llama.cpp by probing: its build, the model, the context size', async () => {
    const d = await engine.prepare();
    assert.equal(d.kind, 'llama.cpp');
    assert.match(d.version ?? '', /^b\d+/);
    assert.equal(d.model, 'stories260K-f32.gguf');
    assert.equal(d.contextLength, 512);
    assert.equal(engine.capabilities.grammar, true);
  });

  test('streams; the same seed gives the same text, another seed another', async () => {
    let streamed = '';
    const a = await engine.generate({ prompt, sampling: { seed: 11, maxNewTokens: 24 }, stream: true }, { onToken: (t) => (streamed += t) });
    const b = await engine.generate({ prompt, sampling: { seed: 11, maxNewTokens: 24 } });
    const c = await engine.generate({ prompt, sampling: { seed: 12, maxNewTokens: 24 } });
    assert.ok(a.text.length > 20, a.text);
    assert.equal(streamed, a.text);
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, c.text);
    assert.equal(a.stats.newTokens, 24);
    assert.equal(a.stopReason, 'length');
    assert.ok(a.stats.serverMs! > 0 && a.stats.serverMs! <= a.stats.totalMs, 'the server\'s own time is within the request\'s');
    assert.ok(b.stats.reusedTokens > 0, 'the prompt cache is reused');
  });

  test('the same greedy text as Inkling\'s worker on the same model', async () => {
    const client = new EngineClient({ workerPath });
    try {
      await client.load({ dir: testModelDir, dtype: 'fp32', threads: 1 });
      for (const p of [prompt, 'The old man walked down to the sea,\nand the wind', 'Tom had a red ball. He']) {
        const greedy = { strategy: 'greedy' as const, maxNewTokens: 20, repetitionPenalty: 1 };
        const local = await client.generate({ prompt: p, sampling: greedy });
        const served = await engine.generate({ prompt: p, sampling: greedy });
        assert.equal(served.text, local.text, `greedy on ${JSON.stringify(p)}`);
      }
    } finally {
      await client.dispose();
    }
  });

  test('a prompt ending in a space begins a new word (the grammar heals the blank)', async () => {
    for (const fragment of ['Once upon a ti', 'They played in the par', 'He felt very sa']) {
      const joined = await engine.generate({ prompt: fragment, sampling: { strategy: 'greedy', maxNewTokens: 4 } });
      assert.match(joined.text, /^\p{L}/u, `without the space the model finishes the word: ${JSON.stringify(joined.text)}`);
      const spaced = await engine.generate({ prompt: `${fragment} `, sampling: { strategy: 'greedy', maxNewTokens: 4 } });
      assert.match(spaced.text, /^\S/, 'the space is not written twice');
      assert.ok(!spaced.text.startsWith(joined.text.split(/\s/)[0]!), `"${fragment} " + ${JSON.stringify(spaced.text)} begins a new word`);
    }
  });

  test('a prompt longer than the server\'s context is cut to fit, and keeps its cut (and the server\'s cache) as it grows', async () => {
    const long = `${'The sea is calm tonight, the tide is full, the moon lies fair upon the straits.\n'.repeat(60)}And then`;
    // The first long prompt teaches the engine this model's characters per token (its cut may move once).
    await engine.generate({ prompt: `${long} it`, sampling: { seed: 1, maxNewTokens: 2 } });
    const a = await engine.generate({ prompt: long, sampling: { seed: 1, maxNewTokens: 8 } });
    assert.equal(a.stats.newTokens, 8);
    assert.ok(a.stats.promptTokens < 512, `${a.stats.promptTokens} prompt tokens within a 512-token context`);
    const b = await engine.generate({ prompt: `${long} she`, sampling: { seed: 1, maxNewTokens: 8 } });
    assert.ok(b.stats.reusedTokens > a.stats.promptTokens - 8, `the grown prompt reused ${b.stats.reusedTokens} of ${a.stats.promptTokens} tokens`);
  });

  test('cancel mid-stream: it stops within a moment, and the server goes on serving', async () => {
    const abort = new AbortController();
    let tokens = 0;
    const started = performance.now();
    const r = await engine.generate({ prompt, sampling: { seed: 1, maxNewTokens: 400 }, stream: true }, { signal: abort.signal, onToken: () => ++tokens === 3 && abort.abort() });
    assert.equal(r.stopReason, 'cancelled');
    assert.ok(performance.now() - started < 2000);
    const next = await engine.generate({ prompt, sampling: { seed: 2, maxNewTokens: 8 } });
    assert.equal(next.stats.newTokens, 8);
  });

  test('form by grammar: every line ends at a line break with its vowel groups in the band', async () => {
    const plan = planLine(poem);
    assert.equal(plan.target, 10);
    const band = groupBand(plan.target!);
    for (const seed of [1, 2, 3]) {
      const r = await engine.generate({ prompt: poem, sampling: { seed, maxNewTokens: 160 }, form: { lines: 3 } });
      assert.equal(r.stopReason, 'form', JSON.stringify(r.text));
      const lines = r.text.split('\n').filter((l) => l.trim());
      assert.equal(lines.length, 3, JSON.stringify(r.text));
      for (const line of lines) {
        const groups = heardVowelGroups(line);
        // The word in progress may finish with one more group past the band's top.
        assert.ok(groups >= band.low - 1 && groups <= band.high + 2, `${groups} vowel groups in ${JSON.stringify(line)} (band ${band.low}–${band.high})`);
        assert.ok(!/\p{L}-\W*$/u.test(line), `${JSON.stringify(line)} closes on half a word`);
      }
    }
  });

  test('rhyme mode: a line the scheme pairs with an earlier one ends on a rhyme of it', async () => {
    // ABAB: the next line rhymes with "hill" (line 1 of the next quatrain pairs with line 3).
    const quatrain = `${poem}The summer sun is warm upon the hill,\nThe children laugh and run beside the stream;\n`;
    const partner = lineRhymeKey('The summer sun is warm upon the hill,')!;
    const r = await engine.generate({ prompt: quatrain, sampling: { seed: 5, maxNewTokens: 80 }, form: { lines: 1, rhyme: true } });
    assert.equal(planLine(quatrain, { rhyme: true }).rhymeWith?.word, 'hill');
    assert.ok(lineRhymesWith(r.text, partner), `${JSON.stringify(r.text)} rhymes with "hill"`);
  });

  test('rhyme mode on a server plans with the document before the cursor (formContext): a collection of ABCA quatrains', async () => {
    const collection = readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', 'envelope-collection.txt'), 'utf8');
    const road = collection.slice(collection.indexOf('THE ROAD'));
    const r = await engine.generate({ prompt: road, formContext: collection, sampling: { seed: 5, maxNewTokens: 80 }, form: { lines: 1, rhyme: true } });
    assert.ok(lineRhymesWith(r.text, lineRhymeKey('sea')!), `${JSON.stringify(r.text)} rhymes with "sea" (the poem alone would ask for "walls")`);
  });

  for (const strategy of ['greedy', 'sample'] as const) {
    test(`banned phrases on a server (${strategy}): never shown, streamed or not, and the text goes on past them`, async () => {
      const base = { strategy, seed: 21, temperature: 0.8, maxNewTokens: 60 };
      const plain = await engine.generate({ prompt, sampling: base });
      const words = plain.text.match(/[A-Za-z]+/g) ?? [];
      assert.ok(words.length >= 12, plain.text);
      const phrases = [words.slice(1, 3).join(' '), words.slice(6, 8).join(' ')];
      const bans = new BannedPhrases(phrases);
      assert.ok(bans.find(plain.text, true), `the text without the ban has one: ${phrases.join(' | ')} in ${plain.text}`);
      let streamed = '';
      const logged: string[] = [];
      const watched = new ServerEngine({ url: server.url, kind: 'auto', model: '', logger: { trace() {}, debug: (m) => logged.push(m), info() {}, warn() {}, error() {} } });
      const r = await watched.generate({ prompt, sampling: { ...base, bannedPhrases: phrases }, stream: true }, { onToken: (t) => (streamed += t) });
      await watched.dispose();
      assert.ok(logged.some((m) => /stepped to the server's next choice/.test(m)), `it stepped past a phrase by the server's own ranking: ${logged.join(' / ')}`);
      assert.equal(bans.find(r.text, true), null, `no banned phrase in ${JSON.stringify(r.text)}`);
      assert.equal(streamed, r.text, 'nothing shown was taken back');
      assert.ok((r.text.match(/[A-Za-z]+/g) ?? []).length >= 8, `it goes on past the phrase: ${JSON.stringify(r.text)}`);
    });
  }

  test('DRY and XTC reach llama.cpp\'s own samplers: DRY lowers the repeats of a looping prompt', async () => {
    const loop = 'The cat sat on the mat. The dog sat on the log. The cat sat on the mat. The dog sat on the log. The cat sat on the mat.';
    const base = { strategy: 'greedy' as const, repetitionPenalty: 1, maxNewTokens: 120 };
    const repeats = (text: string) => {
      const words = (loop + text).toLowerCase().match(/[a-z']+/g) ?? [];
      const first = (loop.toLowerCase().match(/[a-z']+/g) ?? []).length;
      const seen = new Set<string>();
      let n = 0;
      for (let i = 0; i + 4 <= words.length; i++) {
        const g = words.slice(i, i + 4).join(' ');
        if (i + 4 > first && seen.has(g)) n++;
        seen.add(g);
      }
      return n;
    };
    const plain = await engine.generate({ prompt: loop, sampling: base });
    const dry = await engine.generate({ prompt: loop, sampling: { ...base, dryMultiplier: 0.8 } });
    console.log(`repeated 4-grams in 120 tokens on llama-server: ${repeats(plain.text)} without DRY, ${repeats(dry.text)} with DRY`);
    assert.ok(repeats(dry.text) < repeats(plain.text), `${repeats(dry.text)} < ${repeats(plain.text)}`);
    const xtcA = await engine.generate({ prompt, sampling: { seed: 5, maxNewTokens: 30, xtcProbability: 1, xtcThreshold: 0.05 } });
    const noXtc = await engine.generate({ prompt, sampling: { seed: 5, maxNewTokens: 30 } });
    assert.notEqual(xtcA.text, noXtc.text, 'XTC changes the text at the same seed');
  });

  test('the poem\'s shape on a server: a refrain word for word, a refrain phrase closing its line, an indented short line, a song\'s chorus', async () => {
    const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', name), 'utf8');
    const linesOf = (text: string) => text.split('\n').filter((l) => l.trim());
    for (const seed of [3, 17]) {
      const refrain = await engine.generate({ prompt: fixture('refrain.txt'), sampling: { seed, maxNewTokens: 120 }, form: { lines: 1 } });
      assert.equal(linesOf(refrain.text)[0]?.trim(), 'And never comes again.', JSON.stringify(refrain.text));
      const phrase = await engine.generate({ prompt: fixture('refrain-phrase.txt'), sampling: { seed, maxNewTokens: 120 }, form: { lines: 1 } });
      assert.match(linesOf(phrase.text)[0] ?? '', /down by the sea[.,;:!?'"’”)]*$/, JSON.stringify(phrase.text));
      const ballad = await engine.generate({ prompt: fixture('ballad.txt'), sampling: { seed, maxNewTokens: 120 }, form: { lines: 2 } });
      const [long, short] = linesOf(ballad.text);
      assert.equal(/^\s*/.exec(long!)![0], '', JSON.stringify(ballad.text));
      assert.equal(/^\s*/.exec(short!)![0], '  ', JSON.stringify(ballad.text));
      const song = await engine.generate({ prompt: fixture('song.md'), sampling: { seed, maxNewTokens: 160 }, form: { lines: 3 } });
      assert.equal(song.text, '\n[Chorus]\nOh, carry me home,\nCarry me home,\nOver the water and over the foam.', JSON.stringify(song.text));
    }
  });

  test('token probabilities: one per token, after the sampling filters, the alternatives likeliest first', async () => {
    const r = await engine.generate({ prompt, sampling: { seed: 3, maxNewTokens: 10, topK: 5 }, probabilities: 5 });
    assert.equal(r.tokens?.length, 10);
    assert.equal(r.tokens!.map((t) => t.text).join(''), r.text);
    for (const t of r.tokens!) {
      assert.ok(t.probability > 0 && t.probability <= 1);
      assert.ok(t.alternatives.length <= 5, 'top-k 5 leaves at most five');
      const ps = t.alternatives.map((a) => a.probability);
      assert.deepEqual(ps, [...ps].sort((x, y) => y - x));
      assert.ok(Math.abs(ps.reduce((x, y) => x + y, 0) - 1) < 0.02, 'after the filters the choices sum to one');
    }
  });
});

describe('a server that dies', { skip: !llamaServerAvailable() && 'no llama-server packages beside the checkout' }, () => {
  test('killed mid-stream: a clear error, nothing kept; restarted on the same port: the next request works', async () => {
    const first = await startLlamaServer(storiesGguf, { ctx: 512 });
    const engine = new ServerEngine({ url: first.url, kind: 'auto', model: '' });
    try {
      let killed = false;
      await assert.rejects(
        engine.generate({ prompt, sampling: { seed: 1, maxNewTokens: 400 }, stream: true }, { onToken: () => void (killed || ((killed = true), process.kill(first.pid, 'SIGKILL'))) }),
        (e: unknown) => e instanceof EngineRequestError && e.code === 'server-failed' && /stopped answering halfway; nothing was inserted/.test(e.message),
      );
      assert.equal(engine.state, 'error');
      await rejectsRefused(engine);
      const second = await startLlamaServer(storiesGguf, { ctx: 512, port: first.port });
      try {
        const r = await engine.generate({ prompt, sampling: { seed: 1, maxNewTokens: 6 } });
        assert.equal(r.stats.newTokens, 6);
        assert.equal(engine.state, 'ready');
      } finally {
        await second.stop();
      }
    } finally {
      await engine.dispose();
      await first.stop();
    }
  });
});

async function rejectsRefused(engine: ServerEngine): Promise<void> {
  await assert.rejects(engine.generate({ prompt, sampling: { maxNewTokens: 4 } }), (e: unknown) => e instanceof EngineRequestError && e.code === 'server-unreachable' && /refused the connection — is it running\?/.test(e.message));
}

describe("Inkling's own model on a real llama-server", { skip: !llamaServerAvailable() && 'no llama-server packages beside the checkout' }, () => {
  let server: LlamaServer;
  let engine: ServerEngine;
  before(async () => {
    await loadPronouncingDictionary();
    server = await startLlamaServer(inklingGguf, { ctx: 512 });
    engine = new ServerEngine({ url: server.url, kind: 'auto', model: '' });
  });
  after(async () => {
    await engine?.dispose();
    await server?.stop();
  });

  test('Chinese verse it does not know: no broken characters (U+FFFD) in the text, streamed or whole', async () => {
    // The server samples bytes no character has, as the worker did before its UTF-8 guard
    // (28–33 U+FFFD in 60 tokens here); what it sends as U+FFFD is dropped.
    const tang = readFileSync(join(corpusDir, 'tang-300-part1.txt'), 'utf8').slice(0, 300);
    for (const seed of [1, 2, 3]) {
      const chunks: string[] = [];
      const r = await engine.generate({ prompt: tang, sampling: { seed, maxNewTokens: 40 }, stream: true }, { onToken: (t) => chunks.push(t) });
      assert.ok(r.text.length > 0, 'something was written');
      assert.ok(!r.text.includes('\uFFFD'), JSON.stringify(r.text));
      assert.equal(chunks.join(''), r.text, 'the streamed text is the text');
    }
  });

  const cases = Number(process.env.INKLING_FUZZ_CASES ?? 60);
  test(`${cases} ghost and Continue requests at random points of the training corpus, built as the editor builds them (seed ${FUZZ_SEED}): every one answers`, async () => {
    const root = join(sharedDir, 'corpus-train');
    const texts = ['poetry', 'prose'].flatMap((d) => readdirSync(join(root, d)).filter((n) => n.endsWith('.txt')).sort().map((n) => ({ name: `${d}/${n}`, text: readFileSync(join(root, d, n), 'utf8') })));
    const f = new Fuzz(FUZZ_SEED);
    let asked = 0;
    for (let i = 0; asked < cases && i < cases * 3; i++) {
      const doc = f.pick(texts);
      const at = f.int(doc.text.length);
      const start = Math.max(0, at - 6000);
      const text = doc.text.slice(start, at + 300);
      const offset = at - start;
      if (f.next() < 0.6) {
        const request = buildGhostRequest({ text, offset, atDocumentStart: start === 0, explicit: false, maxPromptChars: SERVER_GHOST_PROMPT_CHARS, maxWords: 12 });
        if (!request.ok) continue;
        asked++;
        const { form, formContext } = ghostForm(request.kind, DEFAULT_FORM_SETTINGS, text.slice(0, offset));
        const where = `case ${i}: ghost text, ${doc.name} at ${at}, prompt ending ${JSON.stringify(request.prompt.slice(-50))}`;
        const r = await engine.generate({ prompt: request.prompt, sampling: { maxNewTokens: Math.min(48, request.maxNewTokens), stopStrings: request.stopStrings, seed: i }, form, formContext }).catch((e: Error) => assert.fail(`${where}: ${e.message}`));
        assert.ok(['eos', 'stop', 'form', 'length'].includes(r.stopReason), `${where}: stopped for ${r.stopReason}`);
        assert.ok(!r.text.includes('\uFFFD'), `${where}: ${JSON.stringify(r.text)}`);
      } else {
        const built = buildContinuationRequest({ text: text.slice(0, offset), offset, lines: 0 });
        if (!built.ok) continue;
        asked++;
        const request = withForm(built, DEFAULT_FORM_SETTINGS, text.slice(0, offset));
        const where = `case ${i}: Continue (${request.kind}, ${request.lines} lines), ${doc.name} at ${at}, prompt ending ${JSON.stringify(request.prompt.slice(-50))}`;
        const r = await engine.generate(commandParams(request, validateSampling({ seed: i }).settings, 'sweep', { seed: i, stream: false })).catch((e: Error) => assert.fail(`${where}: ${e.message}`));
        assert.ok(['eos', 'stop', 'form', 'length'].includes(r.stopReason), `${where}: stopped for ${r.stopReason}`);
        const finished = r.stopReason !== 'length' || request.isComplete(r.text);
        assert.ok(!r.text.trim() || request.finish(r.text, finished).trim(), `${where}: the insertion keeps nothing of ${JSON.stringify(r.text.slice(0, 120))}`);
      }
    }
    assert.ok(asked >= cases / 2, `${asked} requests built`);
  });
});
