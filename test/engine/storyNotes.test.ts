/**
 * Story notes in the engines, on the real test model: the notes stand before the passage, whole,
 * even when the passage must be cut to fit the context; a follow-up keystroke with the same notes
 * reuses the cache as much as one without notes; the same on a real llama-server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient } from '../../src/client/engineClient';
import { ServerEngine } from '../../src/client/server/serverEngine';
import { LanguageModel } from '../../src/engine/model/languageModel';
import { keepPromptEnd } from '../../src/engine/model/kvCache';
import { llamaServerAvailable, startLlamaServer, storiesGguf, type LlamaServer } from '../support/llamaServer';
import { testModelDir, workerPath } from '../support/paths';

const spec = { dir: testModelDir, dtype: 'fp32' as const, threads: 1 };
const notes = 'Lily has a red ball. Her dog is called Max.\n\n';
const passage = 'Once upon a time, there was a little girl named Lily. She went to the park with';
const greedy = { strategy: 'greedy' as const, maxNewTokens: 12 };

describe('story notes in the worker', () => {
  let client: EngineClient;
  let model: LanguageModel;
  before(async () => {
    client = new EngineClient({ workerPath });
    await client.load(spec);
    model = await LanguageModel.load(spec);
  });
  after(async () => {
    await client.dispose();
    await model.dispose();
  });

  test('the notes stand before the passage: the same text as a prompt that begins with them', async () => {
    const withNotes = await client.generate({ prompt: passage, notes, sampling: greedy });
    const joined = await client.generate({ prompt: notes + passage, sampling: greedy });
    const without = await client.generate({ prompt: passage, sampling: greedy });
    assert.equal(withNotes.stats.promptTokens, model.encode(notes).length + model.encodeRaw(passage).length);
    assert.ok(Math.abs(withNotes.stats.promptTokens - joined.stats.promptTokens) <= 2, 'about as many tokens as the joined prompt');
    assert.notEqual(withNotes.text, without.text, 'the notes change what the model writes');
  });

  test('a passage longer than the context is cut after the notes, which stay whole', async () => {
    const long = `${'The sun was hot and the children played in the sand by the sea. '.repeat(80)}${passage}`;
    const r = await client.generate({ prompt: long, notes, sampling: greedy });
    const room = model.contextLength - greedy.maxNewTokens;
    assert.ok(r.stats.promptTokens <= room, `${r.stats.promptTokens} <= ${room}`);
    // What the worker sent: the notes whole, then as much of the passage's end as the room left.
    const head = model.encode(notes);
    const body = model.encodeRaw(long);
    assert.ok(head.length + body.length > room, 'the two together do not fit');
    assert.equal(r.stats.promptTokens, head.length + keepPromptEnd(body, room - head.length, false).length);
    assert.ok(r.stats.promptTokens > room * 0.75, `the room is used: ${r.stats.promptTokens} of ${room}`);
    // Without the notes param, the notes at the prompt's start would be what is cut.
    const joined = await client.generate({ prompt: notes + long, sampling: greedy });
    assert.ok(joined.stats.promptTokens <= room);
  });

  test('a follow-up keystroke reuses the cache as much with notes as without', async () => {
    const reuse = async (withNotes: boolean) => {
      await client.generate({ prompt: passage, notes: withNotes ? notes : undefined, sampling: greedy });
      const next = await client.generate({ prompt: `${passage} her`, notes: withNotes ? notes : undefined, sampling: greedy });
      return { reused: next.stats.reusedTokens, total: next.stats.promptTokens };
    };
    const a = await reuse(true);
    const b = await reuse(false);
    console.log(`follow-up keystroke: ${a.reused}/${a.total} prompt tokens reused with notes, ${b.reused}/${b.total} without`);
    assert.ok(a.total - a.reused <= b.total - b.reused + 1, `tokens to run: ${a.total - a.reused} with notes vs ${b.total - b.reused} without`);
  });
});

describe('story notes on a real llama-server', { skip: !llamaServerAvailable() && 'no llama-server packages beside the checkout' }, () => {
  let server: LlamaServer;
  let engine: ServerEngine;
  before(async () => {
    server = await startLlamaServer(storiesGguf, { ctx: 512 });
    engine = new ServerEngine({ url: server.url, kind: 'auto', model: '' });
  });
  after(async () => {
    await engine?.dispose();
    await server?.stop();
  });

  test('the notes go before the prompt, kept whole when a long prompt is cut, and the server cache is reused', async () => {
    const a = await engine.generate({ prompt: passage, notes, sampling: greedy });
    const joined = await engine.generate({ prompt: notes + passage, sampling: greedy });
    assert.equal(a.text, joined.text, 'the same as a prompt beginning with the notes');
    const long = `${'The sun was hot and the children played in the sand by the sea. '.repeat(120)}${passage}`;
    const cut = await engine.generate({ prompt: long, notes, sampling: greedy });
    assert.ok(cut.stats.promptTokens <= 512 - greedy.maxNewTokens, `fits: ${cut.stats.promptTokens}`);
    const next = await engine.generate({ prompt: `${long} her`, notes, sampling: greedy });
    assert.ok(next.stats.reusedTokens > cut.stats.promptTokens / 2, `the server reuses its cache: ${next.stats.reusedTokens} of ${next.stats.promptTokens}`);
  });
});
