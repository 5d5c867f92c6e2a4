// Word alternatives bookkeeping: where the model's tokens lie in the text Inkling inserted (after
// the request's finish), which tokens make a word, what choosing another word keeps and asks for,
// and how an insertion's choices follow edits — and are forgotten when the writer touches it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GeneratedToken } from '../../../src/common/generation';
import { buildContinuationRequest } from '../../../src/writing/prompts/commands/continuationRequest';
import {
  alignTokens,
  choiceLabel,
  choiceLabelAt,
  choiceUnits,
  completeLines,
  MAX_CHOICE_INSERTIONS,
  offeredAlternatives,
  percent,
  planWordChoice,
  spansInCrlf,
  unitAt,
  WordChoiceStore,
} from '../../../src/writing/history/wordChoices';

/** Tokens for pieces, each with a probability and two made-up alternatives. */
function tokens(pieces: string[], probability = 0.5): GeneratedToken[] {
  return pieces.map((text, i) => ({ text, probability: i === 1 ? 0.05 : probability, alternatives: [{ text, probability }, { text: ` alt${i}`, probability: 0.1 }, { text: '</s>', probability: 0.01 }] }));
}

const texts = (text: string, spans: { start: number; end: number }[]) => spans.map((s) => text.slice(s.start, s.end));

describe('aligning tokens with the inserted text', () => {
  it('maps each token onto its characters when the text is the model\'s own', () => {
    const t = tokens([' The', ' cat', ' sat', '.']);
    const spans = alignTokens(t, ' The cat sat.');
    assert.deepEqual(texts(' The cat sat.', spans), [' The', ' cat', ' sat', '.']);
    assert.equal(spans[2]!.token, t[2]);
  });

  it('follows what finish does: a line break added in front, a leading blank dropped, stanza breaks squeezed, the end cut', () => {
    const raw = [' Shall', ' I', '\n', '\n', '\n', 'Com', 'pare', ' thee', ' to', ' a'];
    const inserted = '\nShall I\n\nCompare thee';
    const spans = alignTokens(tokens(raw), inserted);
    assert.deepEqual(texts(inserted, spans), ['Shall', ' I', '\n', '\n', 'Com', 'pare', ' thee']);
  });

  it('a space finish adds at the end is nobody\'s token; a visible mismatch ends the alignment', () => {
    const spans = alignTokens(tokens([' over', ' the', ' hill']), ' over the hill ');
    assert.deepEqual(texts(' over the hill ', spans), [' over', ' the', ' hill']);
    const cut = alignTokens(tokens([' over', ' the', ' hill', ' and']), ' over thy hill');
    assert.deepEqual(texts(' over thy hill', cut), [' over', ' th'], 'nothing after the first difference is claimed');
  });

  it('aligns the tokens of a real continuation request\'s finished text', () => {
    const poem = 'The sea is calm tonight.\nThe tide is full, the moon lies fair\n';
    const request = buildContinuationRequest({ text: poem, offset: poem.length, lines: 2 });
    assert.ok(request.ok);
    const raw = ['Upon', ' the', ' stra', 'its', ';', ' on', ' the', ' French', ' coast', '\n', '\n', '\n', 'The', ' light', '\n', 'Gle', 'ams'];
    const inserted = request.finish(raw.join(''), false);
    const spans = alignTokens(tokens(raw), inserted);
    const units = choiceUnits(inserted, spans);
    assert.ok(inserted.startsWith('Upon the straits; on the French coast'), JSON.stringify(inserted));
    // Every word and mark of the inserted text, and nothing else, is a choice.
    assert.deepEqual(
      units.map((u) => inserted.slice(u.start, u.end)),
      inserted.match(/\p{L}+|[^\s\p{L}]/gu),
    );
    for (const u of units) assert.ok(!/\s/.test(inserted[u.start]!), 'a word starts at a visible character');
  });
});

describe('words and their choices', () => {
  const inserted = ' Lily saw a cat, and she smiled.';
  const t = tokens([' L', 'ily', ' saw', ' a', ' cat', ',', ' and', ' she', ' sm', 'iled', '.']);
  const spans = alignTokens(t, inserted);
  const units = choiceUnits(inserted, spans);

  it('a word is the token it begins with and the pieces that finish it; a mark is its own choice', () => {
    assert.deepEqual(units.map((u) => inserted.slice(u.start, u.end)), ['Lily', 'saw', 'a', 'cat', ',', 'and', 'she', 'smiled', '.']);
    assert.equal(units[0]!.span, 0);
    assert.equal(units[0]!.probability, 0.5, 'the probability of the token the word begins with');
    assert.equal(unitAt(units, inserted.indexOf('ily'))?.span, 0, 'hovering the end of a word shows where it began');
    assert.equal(unitAt(units, 0), undefined, 'the blank before a word is no word');
  });

  it('offers the other choices, never the written one, an empty or a special piece', () => {
    assert.deepEqual(offeredAlternatives(t[0]!).map((a) => a.text), [' alt0']);
    assert.equal(choiceLabel('\n'), '↵ end the line');
    assert.equal(choiceLabel('\n\n'), '↵↵ end the stanza');
    assert.equal(choiceLabel(' '), '␣ a space');
    assert.equal(choiceLabel(' moon'), 'moon');
    assert.equal(choiceLabelAt('y', ' The'), 'They', 'a piece that finishes the word before reads as that word');
    assert.equal(choiceLabelAt(' big', ' The'), 'big');
    assert.equal(choiceLabelAt(',', ' The'), ',');
    assert.equal(percent(0.423), '42 %');
    assert.equal(percent(0.004), '<1 %');
  });

  it('choosing a word keeps what comes before its first token and owes the lines not yet whole', () => {
    const verse = 'Upon the straits;\nthe light gleams\nand is gone\n';
    const v = alignTokens(tokens(['Upon', ' the', ' stra', 'its', ';', '\n', 'the', ' light', ' gle', 'ams', '\n', 'and', ' is', ' gone', '\n']), verse);
    const vu = choiceUnits(verse, v);
    const light = vu.find((u) => verse.slice(u.start, u.end) === 'light')!;
    const plan = planWordChoice(verse, v, light, { text: ' dark', probability: 0.1 }, 'x', { kind: 'verse', lines: 3 });
    assert.deepEqual(plan, { keep: 'Upon the straits;\nthe', chosen: ' dark', replaced: ' light gleams\nand is gone\n', lines: 2 });
    const first = planWordChoice(verse, v, vu[0]!, { text: 'Across', probability: 0.1 }, ' ', { kind: 'verse', lines: 3 });
    assert.equal(first.keep, '');
    assert.equal(first.lines, 3);
    const prose = planWordChoice(inserted, spans, units[1]!, { text: ' met', probability: 0.2 }, 'x', { kind: 'prose', lines: 1 });
    assert.deepEqual([prose.keep, prose.chosen, prose.lines], [' Lily', ' met', 1]);
    // The insertion began after a blank the writer typed, and its first token's blank was dropped.
    const afterBlank = 'Lily saw';
    const ab = alignTokens(tokens([' Lily', ' saw']), afterBlank);
    assert.equal(planWordChoice(afterBlank, ab, choiceUnits(afterBlank, ab)[0]!, { text: ' Sue', probability: 0.3 }, ' ', { kind: 'prose', lines: 1 }).chosen, 'Sue', 'no doubled blank');
    assert.equal(completeLines('\nA line\n\nAnother\nhalf'), 2);
  });

  it('moves offsets to a CRLF document\'s', () => {
    const lf = 'a\nbc\nd';
    const spans = alignTokens(tokens(['a', '\n', 'bc', '\n', 'd']), lf);
    const crlf = spansInCrlf(spans, lf);
    assert.deepEqual(texts('a\r\nbc\r\nd', crlf), ['a', '\r\n', 'bc', '\r\n', 'd']);
    assert.deepEqual(crlf.map((s) => s.start), [0, 1, 3, 5, 7]);
  });
});

describe('the store follows edits', () => {
  const inserted = ' the moon';
  const spans = alignTokens(tokens([' the', ' moon']), inserted);

  it('an edit above moves an insertion, one inside forgets it, typing right after leaves it', () => {
    const store = new WordChoiceStore<string>();
    const a = store.record('doc', 10, inserted, spans, 'a');
    const b = store.record('doc', 40, inserted, spans, 'b');
    assert.equal(store.at('doc', 12)?.insertion.id, a.id);
    store.applyEdit('doc', { offset: 0, deleted: 0, inserted: 'Hello ' });
    assert.equal(a.start, 16);
    assert.equal(store.at('doc', 18)?.unit.span, 0);
    store.applyEdit('doc', { offset: 16 + inserted.length, deleted: 0, inserted: ' rose' });
    assert.ok(store.get('doc', a.id), 'typing right after the insertion keeps it');
    store.applyEdit('doc', { offset: 18, deleted: 1, inserted: 'X' });
    assert.equal(store.get('doc', a.id), undefined, 'an edit inside forgets it');
    assert.equal(b.start, 46 + 5, 'the one below moved by both edits before it');
    assert.ok(store.get('doc', b.id));
    store.applyEdit('doc', { offset: 0, deleted: 60, inserted: '' });
    assert.deepEqual(store.list('doc'), [], 'deleting across it forgets it');
  });

  it('a change of line endings keeps every insertion on its words, both ways', () => {
    const store = new WordChoiceStore<string>();
    const poem = 'The sea.\r\nIts waves\r\nand the moon\r\nrise.';
    const text = 'Its waves\r\nand the moon';
    const multi = alignTokens(tokens(['Its', ' waves', '\r\n', 'and', ' the', ' moon']), text);
    const a = store.record('doc', poem.indexOf('Its'), text, multi, 'a');
    const lf = poem.replace(/\r\n/g, '\n');
    store.changeEol('doc', lf, '\r\n', '\n');
    assert.equal(a.text, 'Its waves\nand the moon');
    assert.equal(lf.slice(a.start, a.start + a.text.length), a.text);
    assert.deepEqual(texts(a.text, a.spans), ['Its', ' waves', '\n', 'and', ' the', ' moon']);
    const moon = lf.indexOf('moon');
    assert.equal(a.text.slice(store.at('doc', moon)!.unit.start, store.at('doc', moon)!.unit.end).trim(), 'moon', 'the word under the cursor is still "moon"');
    store.changeEol('doc', poem, '\n', '\r\n');
    assert.equal(a.text, text);
    assert.deepEqual(texts(a.text, a.spans), ['Its', ' waves', '\r\n', 'and', ' the', ' moon']);
  });

  it('a new insertion over an old one replaces it; renames move them; the count is bounded', () => {
    const store = new WordChoiceStore<number>();
    store.record('doc', 0, inserted, spans, 1);
    store.record('doc', 4, 'x moon', spans, 2);
    assert.deepEqual(store.list('doc').map((i) => i.detail), [2]);
    store.rename('doc', 'doc2');
    assert.deepEqual(store.list('doc'), []);
    assert.equal(store.list('doc2').length, 1);
    for (let i = 0; i < MAX_CHOICE_INSERTIONS + 5; i++) store.record('big', i * 20, inserted, spans, i);
    assert.equal(store.list('big').length, MAX_CHOICE_INSERTIONS);
    assert.equal(store.list('big')[0]!.detail, 5, 'the oldest went first');
  });
});
