import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { groupBand, heardVowelGroups, leadGrammar, lineGrammar, literal, vowelGroups } from '../../../src/writing/verse/lines/lineGrammar';
import { gbnfToRegExp } from '../../support/gbnfRegex';

const allows = (grammar: string, text: string) => gbnfToRegExp(grammar).test(text);

describe('a verse line as a grammar', () => {
  it('counts vowel groups, the grammar\'s measure of syllables', () => {
    assert.equal(vowelGroups('Shall I compare thee to a summer\'s day?'), 11);
    assert.equal(vowelGroups('rhythm'), 1);
    assert.equal(vowelGroups(''), 0);
    assert.deepEqual(groupBand(10), { low: 8, high: 10 });
    assert.equal(heardVowelGroups('the lovely machine came home'), 7, 'silent e: lov(e)-ly, ma-chin(e), cam(e), hom(e)');
    assert.equal(heardVowelGroups('the'), 1, 'an e that is the only vowel counts');
  });

  it('allows a whole line of about the target length, ending in a line break', () => {
    const g = lineGrammar({ unit: 'syllable', target: 10, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, "Shall I compare thee to a summer's day?\n"));
    assert.ok(allows(g, 'Rough winds do shake the darling buds of May,\n'));
    assert.ok(!allows(g, 'Rough winds do shake the darling buds of May,'), 'the line break is required');
    assert.ok(!allows(g, 'Rough winds do shake\n'), 'too short');
    assert.ok(!allows(g, 'Rough winds do shake the darling buds of May and summer flowers too,\n'), 'too long');
  });

  it('lets the word in progress finish but starts no new word past the length', () => {
    const g = lineGrammar({ unit: 'syllable', target: 6, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, 'The sun goes down behind\n'));
    assert.ok(allows(g, 'The sun goes down behind the hills\n') === false, 'a new word after the band');
    const eight = lineGrammar({ unit: 'syllable', target: 8, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(eight, 'The sun went down upon the sea.\n'), 'closing punctuation is fine');
    assert.ok(!allows(eight, 'The sun went down upon the sea.,;!\n'), 'but not a run of it');
  });

  it('no line closes on half a word: a hyphen after its last word may not end it, a dash may', () => {
    const g = lineGrammar({ unit: 'syllable', target: 6, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(!allows(g, 'The sun goes down in sea-\n'), 'a compound\'s first half');
    assert.ok(!allows(g, 'The sun goes down in the-\n'));
    assert.ok(allows(g, 'The sun goes down in seas\n'), 'the same line, whole');
    assert.ok(!allows(g, 'The sun goes down behind-\n'), 'a hyphen as closing punctuation');
    assert.ok(allows(g, 'The sun goes down behind—\n'), 'a dash');
    assert.ok(allows(g, 'The sea-birds go down behind\n'), 'a hyphen inside a word');
    assert.ok(allows(g, "Down by the banks o'\n"), "an elision's apostrophe is left to the model");
    const rhymed = lineGrammar({ unit: 'syllable', target: 6, head: '', midWord: false, lead: '', rhymes: ['day'], end: '\n' });
    assert.ok(allows(rhymed, 'The sun goes down by day—\n'));
    assert.ok(!allows(rhymed, 'The sun goes down by day-\n'));
  });

  it("a compound's second half follows its hyphen at once; a dash may stand between spaces", () => {
    const g = lineGrammar({ unit: 'syllable', target: 7, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(!allows(g, 'A flower of summer- air\n'), 'a hyphen, then a space');
    assert.ok(!allows(g, 'A flower of summer-, air\n'), 'a hyphen, then a comma');
    assert.ok(allows(g, 'A flower of summer-air\n'));
    assert.ok(allows(g, 'A flower of the sea-eagle\n'), 'a hyphen right before a vowel');
    assert.ok(allows(g, 'A flower -- of summer air\n'), 'a dash of two hyphens');
    assert.ok(allows(g, 'A flower of summer--air\n'));
    assert.ok(allows(g, 'A flower - of summer air\n'), 'a hyphen between spaces is a dash');
    const head = lineGrammar({ unit: 'syllable', target: 7, head: 'A flower of sea', midWord: true, lead: '', end: '\n' });
    assert.ok(allows(head, '-eagles here\n'), 'the word in progress may go on with its hyphen');
    assert.ok(!allows(head, '- eagles here\n'));
    const joint = lineGrammar({ unit: 'syllable', target: 7, head: 'A flower of summer-', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(joint, 'air,\n'), 'the line in progress ends on a hyphen: the compound goes on');
    assert.ok(allows(joint, 'morn\n'));
    assert.ok(!allows(joint, ' air,\n'), 'not with a space');
    assert.ok(allows(joint, '- air\n'), 'a second hyphen makes a dash');
    const jointRhyme = lineGrammar({ unit: 'syllable', target: 6, head: 'The sun goes down in mid-', midWord: false, lead: '', rhymes: ['day'], end: '\n' });
    assert.ok(allows(jointRhyme, 'day\n'));
    assert.ok(!allows(jointRhyme, ' day\n'));
    const jointFree = lineGrammar({ unit: 'syllable', target: null, head: 'so much depends on summer-', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(jointFree, 'air\n'));
    assert.ok(!allows(jointFree, ' air\n'));
    assert.ok(!allows(jointFree, '\n'), 'nor ends there');
    const rhymed = lineGrammar({ unit: 'syllable', target: 6, head: '', midWord: false, lead: '', rhymes: ['day'], end: '\n' });
    assert.ok(allows(rhymed, 'The sun goes down by day\n'));
    assert.ok(!allows(rhymed, 'The sun goes down- by day\n'), 'before the rhyme word too');
    assert.ok(!allows(rhymed, 'The sun goes the- day\n'));
    assert.ok(allows(rhymed, 'The sea-sun goes by day\n'));
    const free = lineGrammar({ unit: 'syllable', target: null, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(!allows(free, 'so much depends on summer- air\n'), 'free verse too');
    assert.ok(!allows(free, 'so much depends on summer-\n'), 'nor may free verse end on a hyphen');
    assert.ok(allows(free, 'so much depends on a red-wheeled barrow\n'));
  });

  it('a silent e may count as no group ("machine", "lovely")', () => {
    const g = lineGrammar({ unit: 'syllable', target: 4, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, 'the lovely machine\n'), 'five groups spelled, four heard');
  });

  it('counts what the line in progress already holds, and begins with the lead', () => {
    const g = lineGrammar({ unit: 'syllable', target: 10, head: 'Shall I compare', midWord: false, lead: ' ', end: '\n' });
    assert.ok(allows(g, " thee to a summer's day?\n"));
    assert.ok(!allows(g, "thee to a summer's day?\n"), 'the blank the prompt ended with comes first');
    const stanza = lineGrammar({ unit: 'syllable', target: 6, head: '', midWord: false, lead: '\n', end: '\n\n' });
    assert.ok(allows(stanza, '\nThe sun goes down behind\n\n'), 'a stanza break before, a blank line after');
  });

  it('in rhyme mode the line ends on one of the rhyme words', () => {
    const g = lineGrammar({ unit: 'syllable', target: 10, head: '', midWord: false, lead: '', rhymes: ['day', 'away', 'May'], end: '\n' });
    assert.ok(allows(g, 'And summer flowers fade and fall away.\n'));
    assert.ok(allows(g, 'And all the children play the livelong day\n'));
    assert.ok(!allows(g, 'And all the children play the livelong night\n'));
    assert.ok(!allows(g, 'And all the children play the livelong dayz\n'), 'the rhyme word whole');
  });

  it('CJK verse counts characters (a word in another script as one), then a clause mark', () => {
    const g = lineGrammar({ unit: 'character', target: 5, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, '西陸蟬聲唱，\n'));
    assert.ok(allows(g, '南冠客思侵\n'));
    assert.ok(!allows(g, '南冠客思侵南冠客\n'));
    assert.ok(allows(g, '西陸 cicada 聲唱\n'), 'four characters and a word');
  });

  it('regulated Chinese verse: an exact count (no band), the last character one of the rhymes', () => {
    const banded = lineGrammar({ unit: 'character', target: 7, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(banded, '錦瑟無端五十\n'), 'without exact: six of seven is in the band');
    const g = lineGrammar({ unit: 'character', target: 7, exact: true, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, '錦瑟無端五十絃，\n'));
    assert.ok(!allows(g, '錦瑟無端五十，\n'), 'six characters');
    assert.ok(!allows(g, '錦瑟無端五十絃絃，\n'), 'eight characters');
    const rhymed = lineGrammar({ unit: 'character', target: 7, exact: true, head: '', midWord: false, lead: '', rhymes: ['年', '鵑', '煙', 'not a character'], end: '\n' });
    assert.ok(allows(rhymed, '望帝春心託杜鵑。\n'));
    assert.ok(allows(rhymed, '藍田日暖玉生煙\n'), 'the mark is optional');
    assert.ok(!allows(rhymed, '望帝春心託杜宇。\n'), '宇 is not a rhyme');
    assert.ok(!allows(rhymed, '望帝春心杜鵑。\n'), 'six characters, though it rhymes');
    const head = lineGrammar({ unit: 'character', target: 5, exact: true, head: '那堪玄', midWord: false, lead: '', rhymes: ['侵', '吟'], end: '\n' });
    assert.ok(allows(head, '鬢吟，\n'), 'the head counts: two more, the last a rhyme');
    assert.ok(!allows(head, '鬢影吟，\n'));
    assert.ok(allows(lineGrammar({ unit: 'character', target: 1, exact: true, head: '', midWord: false, lead: '', rhymes: ['吟'], end: '\n' }), '吟\n'), 'a one-character line is the rhyme alone');
  });

  it('free verse: any whole line', () => {
    const g = lineGrammar({ unit: 'syllable', target: null, head: '', midWord: false, lead: '', end: '\n' });
    assert.ok(allows(g, 'so much depends\n'));
    assert.ok(!allows(g, 'so much depends'));
  });

  it('escapes literals and keeps to rule names llama.cpp parses (letters, digits, dashes)', () => {
    assert.equal(literal('say "hi"\n\\'), '"say \\"hi\\"\\n\\\\"');
    const g = lineGrammar({ unit: 'syllable', target: 8, head: '', midWord: false, lead: ' ', rhymes: ["o'er", 'door', 'more'], end: '\n\n' });
    for (const line of g.split('\n')) assert.match(line, /^[a-zA-Z0-9-]+ ::= /);
    assert.ok(allows(leadGrammar(' '), ' she loved to play'));
    assert.ok(!allows(leadGrammar(' '), 'me, she loved to play'), 'the first piece must begin with the blank');
  });
});
