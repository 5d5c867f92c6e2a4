// Poem form on real texts: syllables, rhymes, rhyme schemes and the next-line plan. The only
// writing test file that loads the CMU dictionary (about half a second), once, before all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { countCjkCharacters } from '../../../src/writing/verse/chinese/cjkText';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { splitStanzas } from '../../../src/writing/verse/poem/poemLines';
import { isPronouncingDictionaryLoaded, loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { lineRhymeKey, rhymeKey, rhymes } from '../../../src/writing/verse/sound/rhyme';
import { detectRhymeScheme, normalizeScheme, schemeLetter } from '../../../src/writing/verse/scheme/rhymeScheme';
import { countLineSyllables, countWordSyllables } from '../../../src/writing/verse/sound/syllables';
import { corpusDir, repoRoot } from '../../support/paths';

const corpus = (name: string) => readFileSync(join(corpusDir, name), 'utf8');
const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'poems', name), 'utf8');
const blocks = (text: string) => text.split(/\n[ \t]*\n/).filter((b) => b.trim());
const key = (word: string) => {
  const k = rhymeKey(word);
  assert.ok(k, `"${word}" has a rhyme key`);
  return k;
};

before(async () => {
  await loadPronouncingDictionary();
  assert.ok(isPronouncingDictionaryLoaded());
});

describe('syllables', () => {
  it('scans most lines of Sonnets 1–77 as pentameter (10 ± 1)', (t) => {
    const lines = corpus('sonnets-001-077.txt').split('\n').filter((l) => l.trim());
    const counts = lines.map(countLineSyllables);
    const share = counts.filter((n) => Math.abs(n - 10) <= 1).length / counts.length;
    t.diagnostic(`${lines.length} lines, ${(share * 100).toFixed(1)}% at 10 ± 1 syllables`);
    assert.ok(lines.length > 1000);
    assert.ok(share >= 0.95, `only ${(share * 100).toFixed(1)}% of sonnet lines scan as 10 ± 1`);
  });

  it('counts known lines exactly', () => {
    assert.equal(countLineSyllables("Shall I compare thee to a summer's day?"), 10);
    assert.equal(countLineSyllables("Feed'st thy light's flame with self-substantial fuel,"), 10);
    assert.equal(countLineSyllables("Th' expense of spirit in a waste of shame"), 10);
    assert.equal(countLineSyllables('Two roads diverged in a yellow wood,'), 9);
  });

  it('counts archaic contractions and elisions as a poet scans them', () => {
    const expected: [string, number][] = [
      ["o'er", 1], ["e'er", 1], ["ne'er", 1], ["heav'n", 1], ["o'ertake", 2], ["whate'er", 2],
      ["lov'st", 1], ["mak'st", 1], ["feed'st", 1], ["lov\u2019st", 1],
      ["belov'd", 2], ["tatter'd", 2], ["deserv'd", 2], ['belov\u00e8d', 3],
      ["th'", 0], ["'tis", 1], ["'twas", 1], ["'gainst", 1],
      ["beauty's", 2], ["prince's", 2], ["couldn't", 2],
    ];
    for (const [word, n] of expected) assert.equal(countWordSyllables(word), n, word);
  });

  it('ignores Markdown emphasis and hard-break markers', () => {
    assert.equal(countLineSyllables('**Shall** I compare _thee_ to a ~~winter~~ summer\u2019s day?  '), 12);
    assert.equal(countLineSyllables("Shall I compare thee to a summer's day?<br>"), 10);
    assert.equal(countLineSyllables('Shall I compare thee\\'), 5);
    assert.equal(countLineSyllables('[Shall I](https://example.com/compare) compare thee'), 5);
  });

  it('estimates words the dictionary lacks', () => {
    assert.equal(countWordSyllables('niggarding'), 3);
    assert.equal(countWordSyllables('florbish'), 2);
  });
});

describe('CJK verse', () => {
  it('counts characters in Tang lines: almost all are five or seven', (t) => {
    const lengths: number[] = [];
    for (const block of blocks(corpus('tang-300-part1.txt'))) {
      // Each block: "# title" (a heading, skipped), the poet's name, then the poem.
      const [author, ...lines] = splitStanzas(block).flatMap((s) => s.lines);
      assert.ok(author && author.text.length <= 6, `an author line before ${lines[0]?.text}`);
      lengths.push(...lines.map((l) => countLineSyllables(l.text)));
    }
    const share = lengths.filter((n) => n === 5 || n === 7).length / lengths.length;
    t.diagnostic(`${lengths.length} Tang lines, ${(share * 100).toFixed(1)}% of five or seven characters`);
    assert.ok(share >= 0.9);
  });

  it('breaks CJK lines at clause marks and measures them in characters', () => {
    const poem = '西陸蟬聲唱，南冠客思侵。\n那堪玄鬢影，來對白頭吟。\n';
    const form = analyzePoemForm(poem);
    assert.equal(form.kind, 'verse');
    assert.equal(form.unit, 'character');
    assert.deepEqual(form.lineLengths, [5, 5, 5, 5]);
    assert.equal(form.medianLineLength, 5);
    // Regulated verse rhymes by its form: the even lines (唱 ends line 1 on an oblique tone: unrhymed).
    assert.equal(form.scheme, 'ABCB');
    assert.equal(countCjkCharacters('君不見黃河之水天上來，'), 10);
  });

  it('continues a CJK line that is still being written', () => {
    const form = analyzePoemForm('西陸蟬聲唱，南冠客思侵。\n那堪玄鬢影，來對');
    assert.equal(form.next.lineInStanza, 3);
    assert.equal(form.next.targetLength, 5);
  });
});

describe('rhyme keys', () => {
  it('keys a word by its sound from the last stressed vowel', () => {
    assert.equal(key('wood').key, 'UH D');
    assert.equal(key('stood').key, 'UH D');
    assert.equal(key('undergrowth').key, key('both').key);
    assert.equal(key('day').key, 'EY');
  });

  it('falls back to spelling for words the dictionary lacks', () => {
    assert.equal(key('florbish').key, '~ish');
    assert.ok(rhymes(key('florbish'), key('gorbish')));
    assert.ok(rhymes(key('niggarding'), key('spring'), 'loose'));
  });

  it('takes the last word of a line, without punctuation or Markdown', () => {
    assert.equal(lineRhymeKey('And that has made all the *difference*.')?.word, 'difference');
    assert.equal(lineRhymeKey('Two roads diverged in a wood, and I\u2014')?.word, 'i');
    assert.equal(lineRhymeKey('\u2014 !'), null);
  });

  it('matches exact rhymes strictly and slant rhymes loosely', () => {
    const pairs: [string, string, 'strict' | 'loose' | 'none'][] = [
      ['wood', 'could', 'strict'],
      ['day', 'may', 'strict'],
      ['here', 'near', 'strict'],
      ['graces', 'faces', 'strict'],
      ['hence', 'difference', 'loose'],
      ['temperate', 'date', 'loose'],
      ['husbandry', 'posterity', 'loose'],
      ['field', 'held', 'loose'],
      ['love', 'prove', 'loose'],
      ['memory', 'die', 'loose'],
      ['eye', 'symmetry', 'loose'],
      ['wood', 'night', 'none'],
      ['sigh', 'difference', 'none'],
      // A word with a stressed pronunciation does not rhyme by its reduced one.
      ['that', 'hat', 'strict'],
      ['that', 'but', 'none'],
      ['to', 'do', 'strict'],
      ['to', 'it', 'none'],
    ];
    for (const [a, b, kind] of pairs) {
      assert.equal(rhymes(key(a), key(b), 'strict'), kind === 'strict', `${a}/${b} strictly`);
      assert.equal(rhymes(key(a), key(b), 'loose'), kind !== 'none', `${a}/${b} loosely`);
      assert.equal(rhymes(key(b), key(a), 'loose'), kind !== 'none', `${b}/${a} loosely (symmetric)`);
    }
  });
});

describe('rhyme schemes', () => {
  it('finds ABAAB in each stanza of "The Road Not Taken"', () => {
    const form = analyzePoemForm(corpus('road-not-taken.txt'));
    assert.deepEqual(form.stanzas.map((s) => s.pattern), ['ABAAB', 'ABAAB', 'ABAAB', 'ABAAB']);
    assert.equal(form.scheme, 'ABAAB CDCCD EFEEF GHGGH');
    assert.equal(form.stanzaPattern, 'ABAAB');
    assert.deepEqual(form.stanzaLengths, [5, 5, 5, 5]);
  });

  it('finds ABAB CDCD EFEF GG in most of Sonnets 1–77', (t) => {
    const sonnets = blocks(corpus('sonnets-001-077.txt'));
    assert.equal(sonnets.length, 77);
    const failures: string[] = [];
    sonnets.forEach((sonnet, i) => {
      const pattern = analyzePoemForm(sonnet, { lastLineComplete: true }).stanzas.map((s) => s.pattern).join(' ');
      if (pattern !== 'ABABCDCDEFEFGG') failures.push(`Sonnet ${i + 1}: ${pattern}`);
    });
    const share = (sonnets.length - failures.length) / sonnets.length;
    t.diagnostic(`ABABCDCDEFEFGG in ${sonnets.length - failures.length}/77 sonnets (${(share * 100).toFixed(1)}%)`);
    for (const f of failures) t.diagnostic(f);
    assert.ok(share >= 0.9, `only ${(share * 100).toFixed(1)}%: ${failures.join('; ')}`);
  });

  it('finds couplets (AABB) in "The Tyger" (its title in capitals is not a stanza)', () => {
    const form = analyzePoemForm(fixture('the-tyger.txt'));
    assert.equal(form.stanzaPattern, 'AABB');
    assert.deepEqual(form.stanzas.map((s) => s.pattern), Array(6).fill('AABB'));
  });

  it('follows a chain rhyme across stanzas and finds the refrain in "Stopping by Woods"', () => {
    const form = analyzePoemForm(fixture('stopping-by-woods.md'));
    assert.equal(form.scheme, 'AABA BBCB CCDC DDDD');
    assert.equal(form.refrains.length, 1);
    assert.equal(form.refrains[0].text, 'And miles to go before I sleep,');
    assert.deepEqual(form.refrains[0].lineNumbers, [17, 18]);
    assert.deepEqual(form.lineLengths, Array(16).fill(8));
  });

  it('follows a tail rhyme every stanza ends on, further back than the letters link (AAAB CCCB)', () => {
    const stanzas = 'The lamp is low, the hour is late,\nThe fire is ash upon the grate;\nAnd still I sit, and still I wait\nFor one who will not come.\n\nThe wind goes by the garden wall,\nThe leaves along the pathway fall,\nI hear the owl, I hear it call,\nAnd all the house is dumb.\n\n';
    const third = 'The night is cold, the stars are bright,\nThe moon is up, the sky is white,\nI watch alone the dying light,\n';
    assert.equal(analyzePoemForm(stanzas + third).next.rhymeWith?.word, 'dumb', 'the fourth line answers the stanza before\'s');
    assert.equal(analyzePoemForm(stanzas + 'The night is cold, the stars are bright,\n').next.rhymeWith?.word, 'bright', 'the first three keep their own rhyme');
    // The stanzas' fourth lines that do not rhyme across set no tail rhyme.
    const loose = stanzas.replace('And all the house is dumb.', 'And all the house is still.');
    assert.equal(analyzePoemForm(loose + third).next.rhymeWith, null);
  });

  it('gives free verse no scheme', () => {
    for (const name of ['fog.txt', 'red-wheelbarrow.txt']) {
      const form = analyzePoemForm(fixture(name));
      assert.equal(form.kind, 'verse', name);
      assert.equal(form.scheme, null, name);
      assert.equal(form.stanzaPattern, null, name);
      assert.equal(form.next.letter, null, name);
    }
  });

  it('letters lines past Z and normalises stanza shapes', () => {
    assert.equal(schemeLetter(0), 'A');
    assert.equal(schemeLetter(25), 'Z');
    assert.equal(schemeLetter(26), 'AA');
    assert.equal(normalizeScheme(['C', 'D', 'C', 'C', 'D']), 'ABAAB');
    assert.equal(normalizeScheme(['C', null, 'C']), 'A-A');
    const scheme = detectRhymeScheme([['day', 'night', 'may', 'light'].map(key)]);
    assert.deepEqual(scheme.letters, [['A', 'B', 'A', 'B']]);
    assert.equal(scheme.rhymed, true);
  });
});

describe('the next line', () => {
  const frost = corpus('road-not-taken.txt');
  const frostLines = frost.split('\n');

  it('knows which line to rhyme with and how many lines are left in the stanza', () => {
    // Up to "Somewhere ages and ages hence:" (stanza 4, line 2): the next line rhymes with "sigh".
    const form = analyzePoemForm(frostLines.slice(0, 20).join('\n') + '\n');
    assert.equal(form.next.stanza, 3);
    assert.equal(form.next.lineInStanza, 2);
    assert.equal(form.next.letter, 'G');
    assert.equal(form.next.rhymeWith?.word, 'sigh');
    assert.equal(form.next.rhymeWith?.key, 'AY');
    assert.equal(form.next.linesRemainingInStanza, 3);
  });

  it('asks for a new rhyme where the stanza shape has one', () => {
    const form = analyzePoemForm(frostLines.slice(0, 19).join('\n') + '\n');
    assert.equal(form.next.lineInStanza, 1);
    assert.equal(form.next.letter, 'H');
    assert.equal(form.next.rhymeWith, null);
    assert.equal(form.next.linesRemainingInStanza, 4);
  });

  it('plans the line being written when the text ends mid-line', () => {
    const form = analyzePoemForm(frost.slice(0, frost.indexOf('less travelled by')));
    assert.equal(form.next.lineInStanza, 3);
    assert.equal(form.next.rhymeWith?.word, 'i');
    assert.equal(form.next.linesRemainingInStanza, 2);
    const writing = form.stanzas[3].lines[3];
    assert.equal(writing.complete, false);
    assert.equal(writing.letter, 'G');
  });

  it('opens a new stanza after a blank line, or after a stanza that is complete', () => {
    const afterBlank = analyzePoemForm(frostLines.slice(0, 11).join('\n') + '\n\n');
    assert.equal(afterBlank.next.startsStanza, true);
    assert.equal(afterBlank.next.needsStanzaBreak, false);
    assert.equal(afterBlank.next.linesRemainingInStanza, 5);
    const whole = analyzePoemForm(frost);
    assert.equal(whole.next.startsStanza, true);
    assert.equal(whole.next.needsStanzaBreak, true);
    assert.equal(whole.next.stanza, 4);
    assert.equal(whole.typicalStanzaLength, 5);
  });

  it('recognises a sonnet in one block once two quatrains are in place', () => {
    const sonnet = blocks(corpus('sonnets-001-077.txt'))[17].split('\n');
    const twelve = analyzePoemForm(sonnet.slice(0, 12).join('\n') + '\n');
    assert.equal(twelve.next.rhymeWith, null);
    assert.equal(twelve.next.linesRemainingInStanza, 2);
    const thirteen = analyzePoemForm(sonnet.slice(0, 13).join('\n') + '\n');
    assert.equal(thirteen.next.rhymeWith?.word, 'see');
    assert.equal(thirteen.next.linesRemainingInStanza, 1);
    assert.equal(thirteen.next.targetLength, 10);
  });

  it('plans nothing to rhyme in prose', () => {
    const form = analyzePoemForm(corpus('pride-and-prejudice-ch01-05.txt').slice(0, 3000));
    assert.equal(form.kind, 'prose');
    assert.equal(form.scheme, null);
    assert.equal(form.next.letter, null);
    assert.equal(form.next.needsStanzaBreak, false);
  });

  it('takes a forced kind, and a last line without a newline as finished when told', () => {
    assert.equal(analyzePoemForm('one line of text', { kind: 'verse' }).kind, 'verse');
    const couplet = 'The sun is high upon the hill,\nThe air is warm, the wind is still';
    assert.equal(analyzePoemForm(couplet).scheme, null);
    assert.equal(analyzePoemForm(couplet, { lastLineComplete: true }).scheme, 'AA');
  });
});
