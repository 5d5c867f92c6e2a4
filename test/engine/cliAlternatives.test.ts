/**
 * `node dist/cli.js alternatives` does what Show Alternatives does at the end of the text: the
 * request Continue makes, one seed each, near-duplicates dropped, each alternative whole lines
 * (before, it printed 32 raw tokens apiece, cut mid-line). `--max-tokens` keeps the raw ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { sampleAlternatives, samplingForAlternatives } from '../../src/client/alternativeSampler';
import { buildContinuationRequest } from '../../src/writing/prompts/commands/continuationRequest';
import { dedupeAlternatives } from '../../src/writing/prompts/commands/nearDuplicate';
import { validateSampling } from '../../src/writing/settings/samplingSettings';
import { DEFAULT_FORM_SETTINGS, withForm } from '../../src/writing/verse/lines/formRequest';
import { cliPath, corpusDir, testModelDir, workerPath } from '../support/paths';

const poem = readFileSync(join(corpusDir, 'road-not-taken.txt'), 'utf8').split('\n').slice(0, 8).join('\n') + '\n';
const cli = (...args: string[]) => execFileSync(process.execPath, [cliPath, 'alternatives', '-', '--model', testModelDir, '--dtype', 'fp32', ...args], { input: poem, encoding: 'utf8' });

describe('the CLI\'s alternatives', () => {
  let client: EngineClient;
  // As in the editor's host, requests are built without the pronouncing dictionary (the worker plans with it).
  before(async () => {
    client = new EngineClient({ workerPath, restartDelaysMs: [50] });
    await client.load({ dir: testModelDir, dtype: 'fp32', threads: 1 });
  });
  after(() => client.dispose());

  test('are Show Alternatives\' at the end of the poem: the same request and seeds, the same whole-line texts', async () => {
    const printed = JSON.parse(cli('--n', '3', '--seed', '5', '--json')) as { alternatives: { text: string; seed: number }[]; kind: string; lines: number };
    assert.equal(printed.kind, 'verse');
    const built = buildContinuationRequest({ text: poem, offset: poem.length, lines: 0 });
    assert.ok(built.ok);
    const request = withForm(built, DEFAULT_FORM_SETTINGS, poem);
    const sampling = samplingForAlternatives(validateSampling({ seed: 5 }).settings);
    const editor = dedupeAlternatives(await sampleAlternatives(client, request, sampling, { count: 3, seed: 5, caller: 'alternatives' }), (a) => a.text);
    assert.deepEqual(printed.alternatives.map((a) => [a.seed, a.text]), editor.map((a) => [a.seed, a.text]));
    assert.ok(printed.alternatives.length >= 2, 'distinct alternatives');
    for (const a of printed.alternatives) {
      // Whole lines: as many as the request asks for (the rest of the stanza), none cut off.
      const lines = a.text.replace(/^\n/, '').split('\n').filter((l) => l.trim());
      assert.equal(lines.length, request.lines, JSON.stringify(a.text));
    }
  });

  test('--max-tokens gives raw continuations, as before', () => {
    const out = cli('--n', '2', '--seed', '5', '--max-tokens', '6');
    assert.match(out, /^--- 1 \(seed 5\)\n.+\n--- 2 \(seed 6\)\n/s);
  });
});
