/**
 * Word alternatives on the real test model: choosing another word at a token of a continuation
 * and writing on from it gives exactly what a fresh Continue gives from the same text and seed
 * (prose, and verse with its form constraint), and an insertion's tokens asked for again with its
 * seed are the tokens of the same text (what alternatives and ghost text rely on).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { sampleAlternatives, sampleOne } from '../../src/client/alternativeSampler';
import { commandParams, endedByModel } from '../../src/writing/prompts/commands/commandParams';
import { buildContinuationRequest, type WritingRequest } from '../../src/writing/prompts/commands/continuationRequest';
import { DEFAULT_FORM_SETTINGS, withForm } from '../../src/writing/verse/lines/formRequest';
import { validateSampling } from '../../src/writing/settings/samplingSettings';
import { alignTokens, choiceUnits, continuationAfterChoice, offeredAlternatives, planWordChoice } from '../../src/writing/history/wordChoices';
import { repoRoot, testModelDir, workerPath } from '../support/paths';

const spec = { dir: testModelDir, dtype: 'fp32' as const, threads: 1 };
const SEED = 11;
const sampling = validateSampling({ seed: SEED, temperature: 0.9 }).settings;
const story = 'Once upon a time, there was a little girl named Lily. She loved to play in the park with her dog.\n\nOne day,';
const poem = readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', 'poem.md'), 'utf8').split('\n').slice(0, 8).join('\n');

/** What a request writes with a seed, as Continue inserts it, and the tokens that wrote it. */
async function write(client: EngineClient, request: WritingRequest, seed: number, probabilities = 0) {
  const params = commandParams(request, sampling, 'test', { seed, stream: false });
  const r = await client.generate(probabilities ? { ...params, probabilities } : params);
  return { text: request.finish(r.text, endedByModel(r.stopReason)), tokens: r.tokens ?? [] };
}

function continueAt(text: string, lines = 0): WritingRequest {
  const r = buildContinuationRequest({ text, offset: text.length, lines });
  assert.ok(r.ok, 'Continue writes here');
  return withForm(r, DEFAULT_FORM_SETTINGS);
}

describe('word alternatives on stories260K', () => {
  let client: EngineClient;
  let fresh: EngineClient;
  before(async () => {
    client = new EngineClient({ workerPath });
    fresh = new EngineClient({ workerPath });
    await Promise.all([client.load(spec), fresh.load(spec)]);
  });
  after(async () => {
    await client.dispose();
    await fresh.dispose();
  });

  for (const [name, doc] of [
    ['prose', story],
    ['verse, with its form', poem],
  ] as const) {
    test(`choosing another word writes on exactly as a fresh Continue from the same text and seed (${name})`, async (t) => {
      const request = continueAt(doc);
      const first = await write(client, request, SEED, 8);
      assert.ok(first.text.trim(), 'the model continued the text');
      const spans = alignTokens(first.tokens, first.text);
      const units = choiceUnits(first.text, spans);
      assert.ok(units.length >= 3, `${units.length} words with choices in ${JSON.stringify(first.text)}`);
      // A word in the middle that the model had another choice for.
      const unit = units.slice(1).find((u) => offeredAlternatives(spans[u.span]!.token).some((a) => /\w/.test(a.text)))!;
      assert.ok(unit, 'a word with another choice');
      const choice = offeredAlternatives(spans[unit.span]!.token).find((a) => /\w/.test(a.text))!;
      const plan = planWordChoice(first.text, spans, unit, choice, doc.at(-1)!, request);
      assert.notEqual(plan.chosen, first.text.slice(spans[unit.span]!.start, spans[unit.span]!.end), 'another word than the model wrote');

      // The command's way: the request after the chosen word, streamed and stopped once complete, on the worker that wrote the first.
      const after = continuationAfterChoice({ before: doc + plan.keep, chosen: plan.chosen, after: '', atDocumentStart: true, lines: plan.lines, kind: request.kind, formConstraint: request.formConstraint });
      assert.ok(after.ok);
      const rewritten = await sampleOne(client, after, sampling, SEED, 'choice', undefined, 8);
      assert.ok(rewritten, 'the model wrote on');

      // A fresh Continue, on another worker, in the text as it would stand with the chosen word
      // typed in — asking for probabilities, as every command does while word alternatives are on
      // (its verse lines chosen for the metre all the same).
      const typed = doc + plan.keep + plan.chosen;
      const again = continueAt(typed, plan.lines);
      assert.equal(again.kind, request.kind);
      const expected = await write(fresh, again, SEED, 8);
      t.diagnostic(`model wrote ${JSON.stringify(first.text)}; chose ${JSON.stringify(plan.chosen)} after ${JSON.stringify(plan.keep)}; wrote on ${JSON.stringify(rewritten.text)}`);
      assert.equal(rewritten.text, expected.text, 'the same continuation');
      assert.ok(rewritten.tokens?.length, 'the new continuation has its own word choices');
      assert.equal(alignTokens(rewritten.tokens!, rewritten.text).length > 0, true);
      if (request.kind === 'verse') {
        const lines = (plan.keep + plan.chosen + rewritten.text).split('\n').filter((l) => l.trim()).length;
        assert.ok(lines <= request.lines, `the rewritten passage keeps to the ${request.lines} lines asked for (${lines})`);
      }
    });
  }

  test('an alternative\'s tokens asked for again with its seed are the tokens of the same text', async () => {
    const request = continueAt(story);
    const offered = await sampleAlternatives(client, request, sampling, { count: 3, seed: 40, caller: 'alternatives' });
    assert.equal(offered.length, 3);
    for (const a of offered) {
      const replay = await write(client, request, a.seed, 8);
      assert.equal(replay.text, a.text, `seed ${a.seed}: the same text`);
      const spans = alignTokens(replay.tokens, replay.text);
      assert.equal(spans.map((s) => replay.text.slice(s.start, s.end)).join('').trim(), replay.text.trim(), 'its tokens cover it');
    }
  });
});
