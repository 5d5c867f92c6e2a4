/**
 * Whatever a model writes is text. A vocabulary that spells characters byte by byte (SentencePiece's
 * byte fallback, GPT-2's byte-level BPE) let a model that does not know a script write bytes no
 * character has: Inkling's own model continuing Chinese verse wrote 17–31 U+FFFD in 60 tokens
 * (`node dist/cli.js continue` on ../shared/corpus/tang-300-part1.txt). The decode loop now allows
 * only bytes that continue a character (src/engine/tokens/utf8Guard.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import type { ModelSpec } from '../../src/engine/protocol';
import { UNFAMILIAR_SCRIPT } from '../../src/common/generation';
import type { SamplingSettings } from '../../src/writing/settings/samplingSettings';
import { cliPath, corpusDir, repoRoot, testModelDir, workerPath } from '../support/paths';

const tang = readFileSync(join(corpusDir, 'tang-300-part1.txt'), 'utf8').slice(0, 400);
const sonnet = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8').slice(0, 600);
const PROMPTS = [tang, 'Ἄνδρα μοι ἔννεπε, Μοῦσα, πολύτροπον, ὃς μάλα πολλὰ\n', 'The stars 🌟 and the moon 🌙 over the sea 🌊 and'];
const MODELS: [string, ModelSpec, Partial<SamplingSettings>][] = [
  ["Inkling's own model", { dir: join(repoRoot, 'models', 'inkling-verse'), dtype: 'q8', threads: 1 }, {}],
  // The test model knows only English stories; a hot temperature takes it deeper into its vocabulary.
  ['stories260K', { dir: testModelDir, dtype: 'fp32', threads: 1 }, { temperature: 1.8, topK: 0, topP: 1, minP: 0 }],
];

for (const [name, spec, hot] of MODELS) {
  describe(`${name}: continuations are valid text`, () => {
    let client: EngineClient;
    before(async () => {
      client = new EngineClient({ workerPath, restartDelaysMs: [50] });
      await client.load(spec);
    });
    after(() => client.dispose());

    test('the share of a prompt spelled in bytes: most of Chinese verse, next to none of a sonnet', async () => {
      const chinese = await client.generate({ prompt: tang, sampling: { ...hot, seed: 1, maxNewTokens: 2 } });
      const english = await client.generate({ prompt: sonnet, sampling: { ...hot, seed: 1, maxNewTokens: 2 } });
      assert.ok((chinese.stats.spelledInBytes ?? 0) >= UNFAMILIAR_SCRIPT, `Chinese: ${chinese.stats.spelledInBytes}`);
      assert.ok((english.stats.spelledInBytes ?? 0) < 0.1, `English: ${english.stats.spelledInBytes}`);
    });

    test('Chinese verse, Greek and emoji, streamed, as alternatives and by beam search: never U+FFFD', async () => {
      const written: string[] = [];
      for (const [p, prompt] of PROMPTS.entries()) {
        for (const seed of [1, 2, 3]) {
          // 37 tokens: a length that can stop inside a character.
          const sampling = { ...hot, seed: seed * 10 + p, maxNewTokens: 37 };
          const chunks: string[] = [];
          const one = await client.generate({ prompt, sampling, stream: true }, { onToken: (t) => chunks.push(t) });
          assert.equal(chunks.join(''), one.text, 'the streamed text is the text');
          const many = await client.generate({ prompt, sampling, n: 3 });
          written.push(one.text, ...chunks, ...(many.alternatives ?? []).map((a) => a.text));
        }
        const beam = await client.generate({ prompt, sampling: { ...hot, strategy: 'beam', numBeams: 3, maxNewTokens: 20 } });
        written.push(beam.text, ...(beam.alternatives ?? []).map((a) => a.text));
      }
      const broken = written.filter((t) => t.includes('\uFFFD'));
      assert.deepEqual(broken, [], `${broken.length} of ${written.length} texts hold U+FFFD`);
      if (name !== 'stories260K') {
        // The byte path was taken: the model wrote characters its vocabulary spells in bytes.
        assert.ok(written.some((t) => /[^\x00-\x7F’“”—–…]/u.test(t)), 'some continuation holds a character beyond ASCII');
      }
    });
  });
}

describe('the CLI on a script the model does not know', () => {
  test('says so in one line on stderr, names the model and the way out, and still writes; an English poem gets no such line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-script-'));
    try {
      const run = (text: string) => {
        const file = join(dir, 'poem.md');
        writeFileSync(file, text);
        return spawnSync(process.execPath, [cliPath, 'continue', file, '--model', testModelDir, '--dtype', 'fp32', '--seed', '1'], { encoding: 'utf8', timeout: 60_000 });
      };
      const chinese = run(tang);
      assert.equal(chinese.status, 0, chinese.stderr);
      const notes = chinese.stderr.split('\n').filter((l) => /does not know this script/.test(l));
      assert.equal(notes.length, 1, chinese.stderr);
      assert.match(notes[0]!, /^inkling: stories260K spells \d+ % of this text byte by byte: .*--model DIR or --server URL/);
      assert.ok(chinese.stdout.trim().length > 0 && !chinese.stdout.includes('\uFFFD'), JSON.stringify(chinese.stdout));
      const english = run(sonnet);
      assert.equal(english.status, 0, english.stderr);
      assert.doesNotMatch(english.stderr, /does not know this script/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
