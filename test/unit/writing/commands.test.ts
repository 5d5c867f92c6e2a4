// Command helpers: cutting a continuation, near-duplicate alternatives, outlines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ContinuationForm, continuationLines, cutContinuation } from '../../../src/writing/prompts/commands/continuation';
import { dedupeAlternatives, isNearDuplicate, normalizeForComparison, similarity } from '../../../src/writing/prompts/commands/nearDuplicate';
import { buildOutlinePrompt, parseOutline } from '../../../src/writing/prompts/outline/outline';

const next = (over: Partial<ContinuationForm['next']> = {}): ContinuationForm['next'] => ({
  stanza: 1,
  lineInStanza: 0,
  startsStanza: true,
  needsStanzaBreak: false,
  letter: null,
  rhymeWith: null,
  linesRemainingInStanza: null,
  targetLength: 8,
  indent: '',
  refrain: null,
  range: null,
  label: null,
  ...over,
});
const verse = (over: Partial<ContinuationForm['next']> = {}, typicalStanzaLength: number | null = null): ContinuationForm => ({ kind: 'verse', typicalStanzaLength, next: next(over) });
const prose: ContinuationForm = { kind: 'prose', typicalStanzaLength: null, next: next() };

describe('continuation', () => {
  it('writes the rest of the stanza, a whole stanza, or four lines by default', () => {
    assert.equal(continuationLines(verse({ startsStanza: false, lineInStanza: 2, linesRemainingInStanza: 3 }, 5)), 3);
    assert.equal(continuationLines(verse({}, 5)), 5);
    assert.equal(continuationLines(verse()), 4);
  });

  it('cuts verse after the wanted lines, at a line break', () => {
    const generated = 'And sorry I could not travel both\nAnd be one traveler, long I stood\nAnd looked down one as far as I could\nTo where it';
    const cut = cutContinuation(generated, verse(), { lines: 2 });
    assert.equal(cut.text, 'And sorry I could not travel both\nAnd be one traveler, long I stood');
    assert.equal(cut.lines, 2);
    assert.equal(cut.complete, true);
  });

  it('keeps one blank line for a stanza break, however many the model wrote', () => {
    const cut = cutContinuation('Line one\nLine two\n\n\n\nLine three\nLine four\n', verse(), { lines: 3 });
    assert.equal(cut.text, 'Line one\nLine two\n\nLine three');
  });

  it('keeps the end of the current line and a stanza break at the start', () => {
    assert.equal(cutContinuation('\n\nA new stanza begins\nand goes on\n', verse(), { lines: 2 }).text, '\n\nA new stanza begins\nand goes on');
    assert.equal(cutContinuation(' travel both\nAnd be one\n', verse(), { lines: 1 }).text, ' travel both');
  });

  it('drops a last line that may be cut off, unless the model finished it', () => {
    const generated = 'A whole line here\nA line that stops mid';
    const cut = cutContinuation(generated, verse(), { lines: 4 });
    assert.equal(cut.text, 'A whole line here');
    assert.equal(cut.complete, false);
    assert.equal(cutContinuation(generated, verse(), { lines: 4, finished: true }).text, generated);
  });

  it('keeps a lone unfinished line, without its last word', () => {
    const cut = cutContinuation('Only one line that stops mi', verse(), { lines: 4 });
    assert.equal(cut.text, 'Only one line that stops');
    assert.equal(cut.lines, 1);
  });

  it('cuts prose at the end of the first paragraph', () => {
    const cut = cutContinuation(' She smiled. He did not.\n\nThe next day came.', prose);
    assert.deepEqual(cut, { text: ' She smiled. He did not.', lines: 1, complete: true });
  });

  it('keeps whole sentences of prose cut off by the token limit, or whole words', () => {
    assert.equal(cutContinuation(' She smiled. He did not know wh', prose).text, ' She smiled.');
    assert.equal(cutContinuation(' She smiled at the wi', prose).text, ' She smiled at the');
    assert.equal(cutContinuation(' She smiled at the window', prose, { finished: true }).text, ' She smiled at the window');
  });

  it('a paragraph the model ends on a comma, colon or semicolon ends at its last sentence instead', () => {
    assert.deepEqual(cutContinuation(' She smiled. He went on to the door, and then\n\nThe next day came.', prose), { text: ' She smiled.', lines: 1, complete: true });
    assert.equal(cutContinuation(' She smiled. "Come," said he, "you are very good;', prose, { finished: true }).text, ' She smiled.');
    assert.equal(cutContinuation(' She smiled. He told them to come home:', prose, { finished: true }).text, ' She smiled.');
    assert.equal(cutContinuation(' She smiled. "Go!" said he.', prose, { finished: true }).text, ' She smiled. "Go!" said he.', 'a whole paragraph is kept whole');
    assert.equal(cutContinuation(' She did not see what was the same;', prose, { finished: true }).text, ' She did not see what was the same;', 'no sentence end: all there is');
  });

  it('reads Windows line endings', () => {
    assert.equal(cutContinuation('One\r\nTwo\r\nThree\r\n', verse(), { lines: 2 }).text, 'One\nTwo');
  });
});

describe('near duplicates', () => {
  it('normalises case, punctuation, apostrophes and spacing', () => {
    assert.equal(normalizeForComparison('  The *Sea*, the   SEA\u2019s! '), 'the sea the seas');
  });

  it('treats the same words with other punctuation or case as duplicates', () => {
    assert.ok(isNearDuplicate('And sorry I could not travel both', 'and sorry, I could not travel both!'));
  });

  it('treats a changed letter or ending as a duplicate', () => {
    assert.ok(isNearDuplicate('Two roads diverged in a yellow wood', 'Two roads diverged in the yellow woods'));
  });

  it('treats a long line with its words rearranged as a duplicate', () => {
    const s = similarity('long I stood and looked down one as far as I could', 'and looked down one as far as I could, long I stood');
    assert.ok(s.words >= 0.9);
    assert.ok(isNearDuplicate('long I stood and looked down one as far as I could', 'and looked down one as far as I could, long I stood'));
  });

  it('keeps different lines apart', () => {
    assert.ok(!isNearDuplicate('Two roads diverged in a yellow wood', 'Shall I compare thee to a summer\u2019s day'));
    assert.ok(!isNearDuplicate('The sea was calm', 'The sky was dark'));
    assert.ok(!isNearDuplicate('床前明月光', '疑是地上霜'));
  });

  it('dedupes alternatives in order, keeping the first of each group and dropping empty ones', () => {
    const kept = dedupeAlternatives(['The wind was cold.', 'the wind was cold', '...', 'A fire burned low.', 'The wind was colder.']);
    assert.deepEqual(kept, ['The wind was cold.', 'A fire burned low.']);
  });

  it('works on objects through a text accessor and takes thresholds', () => {
    const items = [{ text: 'grey morning light' }, { text: 'gray morning light' }];
    assert.equal(dedupeAlternatives(items, (i) => i.text).length, 1);
    assert.equal(dedupeAlternatives(items, (i) => i.text, { editThreshold: 0.99, wordThreshold: 1.01 }).length, 2);
  });
});

describe('outline parsing', () => {
  it('reads a nested bulleted list in order with depths and parents', () => {
    const points = parseOutline('- Arrival\n  - The storm\n  - The inn\n- The letter\n');
    assert.deepEqual(points.map((p) => [p.text, p.depth, p.parent, p.kind]), [
      ['Arrival', 0, null, 'bullet'],
      ['The storm', 1, 0, 'bullet'],
      ['The inn', 1, 0, 'bullet'],
      ['The letter', 0, null, 'bullet'],
    ]);
  });

  it('reads numbered lists, task items and wrapped items', () => {
    const points = parseOutline('1. She leaves home,\n   early, in rain\n2) [ ] **He** follows\n   a. not a list\n');
    assert.deepEqual(points.map((p) => [p.text, p.kind, p.line, p.endLine]), [
      ['She leaves home, early, in rain', 'numbered', 0, 1],
      ['He follows a. not a list', 'numbered', 2, 3],
    ]);
  });

  it('nests lists under headings, and headings by level', () => {
    const md = '# Part one\n\nNotes about part one.\n\n## Chapter 1\n- Meeting\n- Quarrel\n\n## Chapter 2\n- Reconciliation\n\n# Part two\n- Ending\n';
    const points = parseOutline(md);
    assert.deepEqual(points.map((p) => [p.text, p.kind, p.depth]), [
      ['Part one', 'heading', 0],
      ['Chapter 1', 'heading', 1],
      ['Meeting', 'bullet', 2],
      ['Quarrel', 'bullet', 2],
      ['Chapter 2', 'heading', 1],
      ['Reconciliation', 'bullet', 2],
      ['Part two', 'heading', 0],
      ['Ending', 'bullet', 1],
    ]);
    assert.equal(points[2].parent, 1);
    assert.equal(points[7].parent, 6);
  });

  it('gives each point the range of its section', () => {
    const md = '# Part one\n\nNotes about part one.\n\n## Chapter 1\n- Meeting\n- Quarrel\n\n## Chapter 2\n- Reconciliation\n\n# Part two\n- Ending\n';
    const points = parseOutline(md);
    const byText = new Map(points.map((p) => [p.text, p]));
    assert.deepEqual([byText.get('Part one')!.line, byText.get('Part one')!.sectionEndLine], [0, 9]);
    assert.deepEqual([byText.get('Chapter 1')!.line, byText.get('Chapter 1')!.sectionEndLine], [4, 6]);
    assert.deepEqual([byText.get('Meeting')!.line, byText.get('Meeting')!.endLine, byText.get('Meeting')!.sectionEndLine], [5, 5, 5]);
    assert.equal(byText.get('Ending')!.sectionEndLine, 12);
  });

  it('skips front matter and code, and finds nothing in plain text', () => {
    const points = parseOutline('---\ntitle: x\n---\n- Real point\n```\n- not a point\n```\n');
    assert.deepEqual(points.map((p) => [p.text, p.line]), [['Real point', 3]]);
    assert.deepEqual(parseOutline('Just a paragraph.\nAnd another line.'), []);
  });
});

describe('outline prompts', () => {
  const points = parseOutline('- Arrival\n  - The storm\n- The letter\n');

  it('shows the outline, the text so far and the point with its parents', () => {
    const prompt = buildOutlinePrompt(points, 1, 'They reached the village at dusk.', { title: 'The Inn' });
    assert.ok(prompt.startsWith('# The Inn\n\nOutline:\n- Arrival\n  - The storm\n- The letter'));
    assert.ok(prompt.includes('Written so far:\nThey reached the village at dusk.'));
    assert.ok(prompt.endsWith('Next, Arrival \u203a The storm:\n'));
  });

  it('keeps only the end of a long text so far, cut at a paragraph', () => {
    const before = Array.from({ length: 100 }, (_, i) => `Paragraph ${i} of the story so far.`).join('\n\n');
    const prompt = buildOutlinePrompt(points, 2, before, { maxBeforeChars: 200 });
    assert.ok(prompt.includes('Paragraph 99 of the story so far.'));
    assert.ok(!prompt.includes('Paragraph 0 of'));
    assert.ok(!prompt.includes('Written so far:\naragraph'));
  });

  it('leaves out an empty text so far, and refuses a point that is not there', () => {
    assert.ok(!buildOutlinePrompt(points, 0, '').includes('Written so far'));
    assert.throws(() => buildOutlinePrompt(points, 5, ''), RangeError);
  });
});
