import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dictionary as cmu } from 'cmu-pronouncing-dictionary';
import { DictionaryText, loadPronouncingDictionary, pronunciations } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { repoRoot } from '../../support/paths';

describe('DictionaryText', () => {
  const entries = { word: 'W ER1 D', 'word(2)': 'W ER0 D', "word's": 'W ER1 D Z', wor: 'W AO1 R', words: 'W ER1 D Z', a: 'AH0', zebra: 'Z IY1 B R AH0' };

  test('finds every key of an object, and nothing else, prefixes and longer keys included', () => {
    const d = new DictionaryText(entries);
    assert.equal(d.size, 7);
    for (const [key, value] of Object.entries(entries)) assert.equal(d.get(key), value, key);
    for (const missing of ['', 'w', 'wo', 'word(', 'word(3)', 'wordss', 'zebras', 'aa', '0', '~', 'word s']) assert.equal(d.get(missing), undefined, missing);
  });

  test('reads its own text sorted or not, and skips lines that hold no entry', () => {
    const text = ['zebra Z IY1 B R AH0', 'word W ER1 D', '', 'nothing-here', 'a AH0', "word's W ER1 D Z"].join('\n');
    const d = new DictionaryText(text);
    assert.equal(d.size, 4);
    assert.equal(d.get('a'), 'AH0');
    assert.equal(d.get('zebra'), 'Z IY1 B R AH0');
    assert.equal(d.get("word's"), 'W ER1 D Z');
    assert.equal(d.get('nothing-here'), undefined);
  });

  test('remembers its answers, found or not, and answers the same once the memory has been cleared', () => {
    const d = new DictionaryText(entries);
    assert.equal(d.get('word'), 'W ER1 D');
    assert.equal(d.get('nope'), undefined);
    for (let i = 0; i < 12_000; i++) assert.equal(d.get(`missing${i}`), undefined);
    assert.equal(d.get('word'), 'W ER1 D', 'after more misses than it keeps');
    assert.equal(d.get('nope'), undefined);
    assert.equal(d.get('zebra'), 'Z IY1 B R AH0');
  });

  test('answers as the npm package’s object for every one of its 135K words and for words it lacks', () => {
    const d = new DictionaryText(cmu);
    const keys = Object.keys(cmu);
    assert.equal(d.size, keys.length);
    for (let i = 0; i < keys.length; i += 7) assert.equal(d.get(keys[i]!), cmu[keys[i]!], keys[i]);
    for (const key of keys.slice(0, 2000)) assert.equal(d.get(`${key}x`), Object.hasOwn(cmu, `${key}x`) ? cmu[`${key}x`] : undefined);
    assert.equal(d.get('constructor'), Object.hasOwn(cmu, 'constructor') ? cmu.constructor : undefined, 'no property of Object.prototype');
  });

  test('the shipped text (scripts/build.mjs) holds the same entries as the package', { skip: !existsDist() && 'dist/ not built' }, () => {
    const d = new DictionaryText(readFileSync(join(repoRoot, 'dist', 'cmu-dictionary.txt'), 'latin1'));
    const keys = Object.keys(cmu);
    assert.equal(d.size, keys.length);
    for (let i = 0; i < keys.length; i += 13) assert.equal(d.get(keys[i]!), cmu[keys[i]!], keys[i]);
  });
});

test('pronunciations lists the variants in order, case-insensitively', async () => {
  await loadPronouncingDictionary();
  assert.deepEqual(pronunciations('Read'), [cmu.read!.split(' '), cmu['read(2)']!.split(' ')]);
  assert.equal(pronunciations('qqqzzx'), undefined);
});

function existsDist(): boolean {
  try {
    readFileSync(join(repoRoot, 'dist', 'cmu-dictionary.txt'));
    return true;
  } catch {
    return false;
  }
}
