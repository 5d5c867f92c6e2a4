/**
 * The worker reads a model's tokenizer with `@huggingface/tokenizers`, not through
 * transformers.js: these tests hold it to the ids and text transformers.js's `AutoTokenizer` gives
 * for the same folder, on the real models Inkling ships and tests with, over verse, prose and
 * the text writers paste (CJK, right-to-left, emoji, CRLF, NUL, lone surrogates).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Tokenizer } from '@huggingface/tokenizers';
import { LanguageModel, readTokenizer, readTokenizerFiles } from '../../src/engine/model/languageModel';
import { LineEncoder } from '../../src/engine/tokens/lineEncoder';
import { CompactRanks } from '../../src/engine/tokens/tokenizerMemory';
import type { EngineError } from '../../src/engine/model/modelFolder';
import { corpusDir, repoRoot, testModelDir } from '../support/paths';

const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
const austen = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8');
const tang = readFileSync(join(corpusDir, 'tang-300-part1.txt'), 'utf8');

const texts = [
  sonnets.slice(0, 4000),
  austen.slice(10000, 14000),
  tang.slice(0, 600),
  'Shall I compare thee to a summer’s day?\r\nThou art more lovely — and more temperate:\r\n',
  '  indented line\n\n\n\tTabbed — “quoted” ‘single’ … end',
  'שלום עולם, مرحبا بالعالم — mixed with English.',
  'emoji 🌙✨ and combining é (e\u0301), ligature ﬁ, NUL \u0000 here',
  'a lone surrogate \ud800 and another \udfff in text',
  ' leading space',
  'She said , "I do n\'t know ." Is it so ? Oui !',
  'trailing space ',
  '',
];

const folders = [testModelDir, join(repoRoot, 'models', 'inkling-verse')];
const bench135m = join(repoRoot, 'bench', 'models', 'smollm2-135m-shape');
if (existsSync(join(bench135m, 'tokenizer.json'))) folders.push(bench135m); // made locally by bench/make_bench_model.py; CI has none

before(() => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
});

for (const dir of folders) {
  describe(`tokenizer of ${basename(dir)}`, () => {
    test('gives the ids and the text transformers.js gives', async () => {
      env.localModelPath = dirname(dir);
      const reference = await AutoTokenizer.from_pretrained(basename(dir));
      const ours = readTokenizer(dir);
      // …with the memory-saving path taken (tokenizerMemory.ts), so these checks cover it.
      assert.ok((ours as unknown as { model: { bpe_ranks: unknown } }).model.bpe_ranks instanceof CompactRanks, 'merge ranks by token ids');
      for (const text of texts) {
        const label = JSON.stringify(text.slice(0, 40));
        const ids = ours.encode(text).ids;
        assert.deepEqual(ids, Array.from(reference.encode(text)), `ids of ${label}`);
        assert.deepEqual(ours.encode(text, { add_special_tokens: false }).ids, Array.from(reference.encode(text, { add_special_tokens: false })), `raw ids of ${label}`);
        if (ids.length) assert.equal(ours.decode(ids, { skip_special_tokens: true }), reference.decode(ids, { skip_special_tokens: true }), `text of ${label}`);
      }
      // Every single token decodes alike too (the worker builds its piece table from these).
      const vocab = ours.get_vocab() as Map<string, number> | Record<string, number>;
      const size = vocab instanceof Map ? vocab.size : Object.keys(vocab).length;
      for (let id = 0; id < Math.min(size, 5000); id++) {
        assert.equal(ours.decode([id], { skip_special_tokens: true }), reference.decode([id], { skip_special_tokens: true }), `token ${id}`);
      }
    });
  });
}

describe('line by line', () => {
  for (const dir of folders) {
    test(`${basename(dir)}: the ids of each line after a newline are the ids of the whole text, or the tokenizer is not encoded by line`, async () => {
      const { json, config } = readTokenizerFiles(dir);
      const tokenizer = new Tokenizer(json, config);
      const raw = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
      const lines = LineEncoder.for(json, config, raw);
      const model = await LanguageModel.load({ dir, dtype: existsSync(join(dir, 'onnx', 'model.onnx')) ? 'fp32' : 'q8', threads: 1 });
      try {
        assert.equal(model.encodesByLine, lines !== null);
        if (basename(dir) !== 'smollm2-135m-shape') assert.ok(lines, 'SentencePiece-style tokenizers are encoded by line');
        else assert.equal(lines, null, 'a byte-level tokenizer with a pre-tokenizer is not');
        if (!lines) return;
        // Windows as a writer's prompts are cut: from mid-line, growing a word at a time, across
        // blank lines, CRLF, indentation, and every text above.
        const windows: string[] = [...texts];
        for (const source of [sonnets, austen, tang]) {
          for (let k = 0; k < 12; k++) {
            const start = (k * 7919) % (source.length - 3000);
            windows.push(source.slice(start, start + 500 + k * 150));
          }
        }
        windows.push(sonnets.slice(0, 1500).replace(/\n/g, '\r\n'), `\n\n  ${sonnets.slice(200, 900)}\n`, 'x'.repeat(20000) + '\nshort\n' + 'y'.repeat(5000));
        for (const text of windows) {
          assert.deepEqual(lines.encode(text), raw(text), JSON.stringify(text.slice(0, 60)));
          assert.deepEqual(model.encodeRaw(text), raw(text));
          assert.deepEqual(model.encode(text), tokenizer.encode(text).ids);
        }
        // A writer typing: each prompt extends the last, and the cache answers all but the last line.
        let typed = sonnets.slice(0, 1800);
        for (const word of sonnets.slice(1800, 2600).split(/(?<=\s)/)) {
          typed += word;
          assert.deepEqual(model.encode(typed), tokenizer.encode(typed).ids);
        }
        assert.ok(lines.size > 20);
      } finally {
        await model.dispose();
      }
    });
  }
});

describe('reading a tokenizer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'inkling-tokenizer-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a folder without tokenizer_config.json, or with a damaged tokenizer.json, is refused (as transformers.js refuses it)', async () => {
    const copy = join(dir, 'no-config');
    cpSync(testModelDir, copy, { recursive: true });
    unlinkSync(join(copy, 'tokenizer_config.json'));
    assert.throws(() => readTokenizer(copy), /tokenizer_config\.json/);
    const broken = join(dir, 'broken');
    cpSync(testModelDir, broken, { recursive: true });
    writeFileSync(join(broken, 'tokenizer.json'), readFileSync(join(testModelDir, 'tokenizer.json'), 'utf8').slice(0, 500));
    assert.throws(() => readTokenizer(broken), SyntaxError);
    // Through the worker's loader, each is the model-invalid error that names the folder.
    for (const folder of [copy, broken]) {
      await assert.rejects(LanguageModel.load({ dir: folder, dtype: 'fp32', threads: 1 }), (e: EngineError) => e.code === 'model-invalid' && e.message.includes(folder));
    }
  });
});
