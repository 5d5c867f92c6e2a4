// The poem the cursor is in, in a document of many (each separator style), and song lyrics with
// labelled sections. Hand-made texts (test/fixtures/forms).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { cutContinuation } from '../../../src/writing/prompts/commands/continuation';
import { buildContinuationRequest } from '../../../src/writing/prompts/commands/continuationRequest';
import { buildGhostRequest } from '../../../src/writing/prompts/ghost/ghostRequest';
import { lineEnds, planLine } from '../../../src/writing/verse/lines/linePlan';
import { findPoems, isSectionNumber, poemAt } from '../../../src/writing/verse/poem/poemBounds';
import { splitPoems, textBefore } from '../../../src/writing/verse/poem/poemCollection';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { nextLabel, sectionLabel } from '../../../src/writing/verse/poem/songSections';
import { repoRoot } from '../../support/paths';

const form = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', name), 'utf8');

before(() => loadPronouncingDictionary());

describe('the poems of a collection', () => {
  const notebook = form('collection.md');
  const upTo = (phrase: string) => notebook.slice(0, notebook.indexOf(phrase) + phrase.length);

  test('front matter, a heading, a thematic break, a title in capitals, two blank lines and numbers each part poems', () => {
    const poems = findPoems(notebook);
    assert.deepEqual(
      poems.map((p) => p.title),
      ['Evening', 'WINTER', 'Afterwards', 'I.', 'II.', '3.'],
    );
    const body = (i: number) => notebook.slice(poems[i]!.bodyStart, poems[i]!.end);
    assert.ok(body(0).startsWith('The evening settles'));
    assert.ok(body(0).endsWith('gather up the blaze.'), 'the separator is no part of the poem');
    assert.ok(body(1).startsWith('Snow on the sill'));
    assert.ok(body(2).startsWith('We said goodbye'), 'a title in ordinary case over a stanza is head matter');
  });

  test('the poem at the cursor, and an empty new poem after a long gap', () => {
    const at = notebook.indexOf('Ice on the pane');
    assert.equal(poemAt(notebook, at).title, 'WINTER');
    // Two blank lines typed after WINTER: the writer starts a new poem; one is a stanza break.
    const head = notebook.slice(0, notebook.indexOf('\n\n\nAfterwards') + 3);
    assert.equal(poemAt(head, head.length).bodyStart, head.length);
    assert.equal(poemAt(head.slice(0, -1), head.length - 1).title, 'WINTER');
  });

  test('the form comes from the poem the cursor is in, not the one before it', () => {
    const text = upTo('Smoke from the flue,\n');
    const f = analyzePoemForm(text);
    assert.equal(f.stanzas.length, 2);
    assert.equal(f.medianLineLength, 4);
    const p = planLine(text, { rhyme: true });
    assert.equal(p.target, 4, 'four syllables, as in WINTER — not ten, as in Evening');
    assert.equal(p.rhymeWith?.word, 'gate');
  });

  test('ghost text and Continue read the same poem', () => {
    const text = upTo('Smoke from the flue,\n');
    const ghost = buildGhostRequest({ text, offset: text.length, explicit: true, maxPromptChars: 2000 });
    assert.ok(ghost.ok);
    assert.ok(ghost.stop.maxTokens < 30, `a line of four syllables: ${ghost.stop.maxTokens} tokens`);
    const cont = buildContinuationRequest({ text, offset: text.length });
    assert.ok(cont.ok);
    assert.equal(cont.lines, 2, 'the rest of the four-line stanza');
    assert.equal(cont.form.medianLineLength, 4);
  });

  test('a title in capitals set straight under the poem before opens the next poem; a shouted last line does not', () => {
    const blank = 'Only a wolf that shrank away, and ran,\nUgly and fierce, to hide among the woods.\n';
    const text = `${blank}STANZAS ON FREEDOM\n\nMen! whose boast it is that ye\nCome of fathers brave and free,\nIf there breathe on earth a slave,\n`;
    const poems = findPoems(text);
    assert.deepEqual(poems.map((p) => p.title), [null, 'STANZAS ON FREEDOM']);
    assert.ok(text.slice(poems[0]!.start, poems[0]!.end).endsWith('among the woods.'), 'the title is no line of the poem above it');
    const poem = poemAt(text, text.length);
    assert.ok(text.slice(poem.bodyStart).startsWith('Men! whose boast'));
    // The couplets of the new poem are read from its own lines, not from the blank verse above.
    assert.equal(planLine(text, { rhyme: true }).rhymeWith?.word, 'slave');
    // A stanza that ends on its refrain in capitals, after a comma or with no blank line under it, keeps it.
    const refrain = 'The wind is in the willow,\nThe rain is on the hill,\nAND ALL THE BELLS RING OUT\n\nThe wind is in the willow,\n';
    assert.equal(findPoems(refrain).length, 1);
    const shout = 'We sang until the morning came.\nHALLELUJAH, AMEN,\n\nWe sang until the evening fell.\n';
    assert.equal(findPoems(shout).length, 1);
  });

  test('section numbers alone on a line: roman, arabic, with a word before them', () => {
    for (const n of ['I.', 'IV', 'xii.', '3.', '12', '(3)', 'Canto II', 'PART IV.', 'Sonnet XVIII']) assert.ok(isSectionNumber(n), n);
    for (const n of ['I went down', 'Mix', 'CIVIC', '3 men', 'I, too']) assert.ok(!isSectionNumber(n), n);
  });

  test('numbered stanzas of one poem stay one poem', () => {
    const stanza = (n: string) => `${n}\n\nA line of verse that has ten syllables,\nAnother line that also has ten more,\nAnd one more line to make the stanza whole,\nAnd yet another closing it at four,\nThe fifth line of the stanza ends it here.\n`;
    const text = ['I.', 'II.', 'III.', 'IV.'].map(stanza).join('\n');
    assert.equal(findPoems(text).length, 1);
    const f = analyzePoemForm(text, { kind: 'verse' });
    assert.deepEqual(f.stanzaLengths, [5, 5, 5, 5], 'the numbers are not verse');
  });

  test('eval-form takes each poem of a collection, without its title', () => {
    const poems = splitPoems(notebook, 'notebook');
    assert.deepEqual(poems.map((p) => p.title).slice(0, 3), ['Evening', 'WINTER', 'Afterwards']);
    assert.ok(poems[1]!.text.startsWith('Snow on the sill'));
    assert.ok(!poems.some((p) => /\* \* \*|WINTER|title:/.test(p.text)));
  });

  test('each poem knows where it stands in its file: the text before it is what an editor shows above it', () => {
    const poems = splitPoems(notebook, 'notebook');
    const normalized = notebook.replace(/\r\n?/g, '\n');
    for (const p of poems) assert.ok(normalized.slice(p.at).trimStart().startsWith(p.text.split('\n')[0]!.trim()), p.title);
    const before = textBefore(notebook, poems[1]!, 10_000);
    assert.ok(before.includes(poems[0]!.text.split('\n')[0]!) && /WINTER\s*$/.test(before), JSON.stringify(before.slice(-80)));
    const short = textBefore(notebook, poems[1]!, 30);
    assert.ok(short.length <= 31 && (short === '' || normalized[poems[1]!.at - short.length - 1] === '\n'), 'from a line start');
    assert.equal(textBefore(notebook, poems[0]!, 0), '');
    // Sonnets parted by one blank line are one poem each; each begins at its own first line.
    const sonnet = (w: string) => Array.from({ length: 14 }, (_, i) => `${w} line ${i + 1} of the sonnet goes here`).join('\n');
    const sonnets = `${sonnet('First')}\n\n${sonnet('Second')}\n`;
    const parts = splitPoems(sonnets, 'sonnets');
    assert.equal(parts.length, 2);
    assert.ok(sonnets.slice(parts[1]!.at).startsWith('Second line 1'));
    assert.ok(textBefore(sonnets, parts[1]!, 10_000).startsWith('First line 1'));
  });
});

describe('song lyrics', () => {
  const song = form('song.md');

  test('section labels are read, and a new one is written as the writer writes them', () => {
    assert.deepEqual(sectionLabel('[Verse 2]'), { kind: 'verse', number: 2, text: '[Verse 2]' });
    assert.equal(sectionLabel('Chorus:')?.kind, 'chorus');
    assert.equal(sectionLabel('CHORUS')?.kind, 'chorus');
    assert.equal(sectionLabel('[Pre-Chorus]')?.kind, 'pre-chorus');
    assert.equal(sectionLabel('(Bridge)')?.kind, 'bridge');
    assert.equal(sectionLabel('Chorus of the birds at dawn'), null);
    assert.equal(sectionLabel('[Chorus'), null);
    const labels = ['[Verse 1]', '[Chorus]', '[Verse 2]'].map((l) => sectionLabel(l)!);
    assert.equal(nextLabel(labels, 'verse'), '[Verse 3]');
    assert.equal(nextLabel(labels, 'chorus'), '[Chorus]');
  });

  test('labels are not lines: not measured, not rhymed, not counted', () => {
    const f = analyzePoemForm(song);
    assert.deepEqual(f.stanzaLengths, [4, 3, 4]);
    assert.deepEqual(f.stanzas.map((s) => s.label?.kind), ['verse', 'chorus', 'verse']);
    assert.deepEqual(lineEnds('', '[Chorus]\nOh, carry me home,\n', 'syllable'), [28]);
  });

  test('after a verse the chorus comes back: its label, then its lines word for word', () => {
    const label = planLine(song, { rhyme: true });
    assert.equal(label.label, true);
    assert.deepEqual(label.refrain, { text: '[Chorus]', whole: true });
    assert.equal(label.needsStanzaBreak, true);
    const first = planLine(`${song}\n[Chorus]\n`, { rhyme: true });
    assert.deepEqual(first.refrain, { text: 'Oh, carry me home,', whole: true });
    const third = planLine(`${song}\n[Chorus]\nOh, carry me home,\nCarry me home,\n`, { rhyme: true });
    assert.deepEqual(third.refrain, { text: 'Over the water and over the foam.', whole: true });
    assert.equal(third.endsStanza, true);
  });

  test('vary keeps the chorus’s first line and writes the rest in its pattern; off writes another verse', () => {
    const second = planLine(`${song}\n[Chorus]\nOh, carry me home,\n`, { rhyme: true, chorus: 'vary' });
    assert.equal(second.refrain ?? null, null);
    assert.equal(second.target, 4);
    const off = planLine(song, { rhyme: true, chorus: 'off' });
    assert.deepEqual(off.refrain, { text: '[Verse 3]', whole: true });
  });

  test('a new verse follows the first verse’s pattern, not the chorus’s', () => {
    const verse = planLine(`${song}\n[Chorus]\nOh, carry me home,\nCarry me home,\nOver the water and over the foam.\n\n[Verse 3]\nThe morning came across the hill,\n`, { rhyme: true });
    assert.equal(verse.target, 6);
    assert.equal(verse.lineInStanza, 1);
  });

  test('Continue after a verse asks for the chorus’s lines, and keeps its label whole', () => {
    const request = buildContinuationRequest({ text: song, offset: song.length });
    assert.ok(request.ok);
    assert.equal(request.lines, 3);
    const cut = cutContinuation('\n[Chorus]\nOh, carry me home,\nCarry me home,\nOver the water and over the foam.\n\n[Verse 3]\nThe', request.form, { lines: 3 });
    assert.equal(cut.text, '\n[Chorus]\nOh, carry me home,\nCarry me home,\nOver the water and over the foam.');
    assert.equal(cut.lines, 3);
    assert.equal(cutContinuation('\n[Chorus]\n[', request.form, { lines: 3 }).text, '', 'a label with no line after it is not left behind');
  });
});
