/**
 * A command's prose paragraph on the real test model: the worker's paragraph steering lets the
 * paragraph (and the text) end only after a sentence, and brings the sentence to a close before
 * the budget runs out, where plain sampling with the same stop and budget stops mid-sentence.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient } from '../../src/client/engineClient';
import type { ModelSpec } from '../../src/engine/protocol';
import { buildContinuationRequest } from '../../src/writing/prompts/commands/continuationRequest';
import { commandParams } from '../../src/writing/prompts/commands/commandParams';
import { endsSentence } from '../../src/writing/prompts/text/sentenceEnd';
import { DEFAULT_SAMPLING } from '../../src/writing/settings/samplingSettings';
import { testModelDir, workerPath } from '../support/paths';

const model: ModelSpec = { dir: testModelDir, dtype: 'fp32', threads: 1 };
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const STORY = `Once upon a time, there was a little girl named Lily. She loved to play in the park with her friends.

One day, Lily found a big red ball under a tree. She`;

describe('a prose paragraph on stories260K', () => {
  let client: EngineClient;
  before(async () => {
    client = new EngineClient({ workerPath, restartDelaysMs: [50] });
    await client.load(model);
  });
  after(() => client.dispose());

  test('Continue Writing asks for it, and every continuation ends after a sentence, on the line it began', async () => {
    const request = buildContinuationRequest({ text: STORY, offset: STORY.length });
    assert.ok(request.ok && request.kind === 'prose');
    const params = commandParams(request, DEFAULT_SAMPLING, 'test');
    assert.deepEqual(params.form, { paragraph: true });
    let plainCutOff = 0;
    for (const seed of SEEDS) {
      // A short budget, so that the sentence has to be closed before it runs out.
      for (const maxNewTokens of [14, params.sampling.maxNewTokens!]) {
        const sampling = { ...params.sampling, seed, maxNewTokens };
        const kept = await client.generate({ ...params, sampling });
        assert.ok(endsSentence(kept.text), `seed ${seed}, ${maxNewTokens} tokens: ${JSON.stringify(kept.text)}`);
        assert.ok(!kept.text.trimEnd().includes('\n'), `seed ${seed}: one line`);
        assert.ok(request.finish(kept.text, kept.stopReason !== 'length').length > 0);
        const plain = await client.generate({ ...params, form: undefined, sampling });
        if (!endsSentence(plain.text)) plainCutOff++;
      }
    }
    assert.ok(plainCutOff > 0, 'plain sampling with the same stop and budget stops mid-sentence at times (else this test proves nothing)');
  });
});
