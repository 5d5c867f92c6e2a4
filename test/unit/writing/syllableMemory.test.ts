/**
 * Syllable counts are remembered per word (the editor reads its window at every keystroke), and
 * forgotten when the pronouncing dictionary arrives: before, counts are spelling estimates; after,
 * the dictionary's. A file of its own, so the dictionary is not loaded yet when it starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPronouncingDictionaryLoaded, loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { countWordSyllables } from '../../../src/writing/verse/sound/syllables';

test('a count remembered from spelling gives way to the dictionary’s once it is loaded', async () => {
  assert.equal(isPronouncingDictionaryLoaded(), false);
  // The spelling estimate and the dictionary disagree on these (CMU: "poem" two, "evening" two).
  const estimated = ['poem', 'evening', 'temperate'].map((w) => countWordSyllables(w));
  assert.deepEqual(['poem', 'evening', 'temperate'].map((w) => countWordSyllables(w)), estimated, 'the same again from memory');
  assert.deepEqual(estimated, [1, 3, 3]);
  await loadPronouncingDictionary();
  assert.deepEqual(['poem', 'evening', 'temperate'].map((w) => countWordSyllables(w)), [2, 2, 2]);
});
