import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BannedPhrases } from '../../../src/writing/settings/bannedPhrases';

test('a banned phrase matches case-insensitively, as whole words, across any white space', () => {
  const bans = new BannedPhrases(['A testament to', 'shivers down']);
  assert.deepEqual(bans.find('It stood as A  Testament\nto her will.', true), { start: 12, end: 27, phrase: 'a testament to' });
  assert.equal(bans.find('It was a testaments to nothing.', true), null);
  assert.equal(bans.find('Shiversdown', true), null);
  assert.equal(bans.find('ashivers down', true), null);
  assert.equal(bans.find('Cold shivers down, then up.', true)?.start, 5);
});

test('a phrase at the very end waits for the next character unless the text is final', () => {
  const bans = new BannedPhrases(['a testament to']);
  assert.equal(bans.find('It was a testament to', false), null);
  assert.equal(bans.find('It was a testament to', true)?.start, 7);
  assert.equal(bans.find('It was a testament tower', false), null);
  assert.equal(bans.find('It was a testament tower', true), null);
  assert.equal(bans.find('It was a testament to, ', false)?.start, 7);
});

test('the earliest phrase wins, and a longer phrase over a shorter one at the same place', () => {
  const bans = new BannedPhrases(['the weight', 'the weight of the world', 'tapestry of']);
  assert.deepEqual(bans.find('A tapestry of the weight of the world.', true), { start: 2, end: 13, phrase: 'tapestry of' });
  assert.equal(bans.find('Under the weight of the world.', true)?.phrase, 'the weight of the world');
});

test('safeLength holds back a word that could still become a banned phrase', () => {
  const bans = new BannedPhrases(['a testament to', 'shivers down']);
  assert.equal(bans.safeLength('The house was'), 13);
  assert.equal(bans.safeLength('The house was a'), 14);
  assert.equal(bans.safeLength('The house was a testa'), 14);
  assert.equal(bans.safeLength('The house was a testament to'), 14);
  assert.equal(bans.safeLength('The house was a tower'), 21);
  assert.equal(bans.safeLength('It sent shiv'), 8);
  // Inside a longer word nothing is held: "gasp" does not start "a testament".
  assert.equal(bans.safeLength('She gasp'), 8);
  assert.equal(new BannedPhrases([]).safeLength('anything'), 8);
  assert.ok(new BannedPhrases(['  ', '']).empty);
});

test('phrases with regular-expression characters are literal', () => {
  const bans = new BannedPhrases(['(sigh)', 'a.b']);
  assert.equal(bans.find('She said (sigh) and left', true)?.start, 9);
  assert.equal(bans.find('She said sigh and left', true), null);
  assert.equal(bans.find('It was axb here', true), null);
  assert.equal(bans.find('It was a.b here', true)?.start, 7);
});
