// Who wrote what: Inkling's ranges followed through edits (above, inside, right after, deleting,
// Inkling's own rewrites), the share, storing and finding them again in a document edited
// elsewhere, rebuilding them from the provenance log, and the disclosure text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Authorship, disclosureMarkdown, nearest, shareLine, sharePercent } from '../../../src/writing/history/authorship';
import { lineEndingsOnly } from '../../../src/writing/history/lineEndings';
import type { TextEdit } from '../../../src/writing/history/insertionTracker';
import { provenanceRecord } from '../../../src/writing/history/provenanceRecord';
import { DEFAULT_SAMPLING } from '../../../src/writing/settings/samplingSettings';

const meta = { command: 'continue' as const, model: 'inkling-verse', time: '2026-11-20T10:00:00.000Z' };

/** A document and its authorship, edited as VS Code reports edits. */
class Doc {
  a = new Authorship();
  version = 1;
  constructor(public text: string) {}
  edit(e: TextEdit, reason?: 'undo' | 'redo'): void {
    this.text = this.text.slice(0, e.offset) + e.inserted + this.text.slice(e.offset + e.deleted);
    this.a.applyEdit(e, ++this.version, reason);
  }
  /** The editor's undo/redo of an edit: its inverse, as VS Code reports it. */
  invert(e: TextEdit, removedText: string, reason: 'undo' | 'redo'): TextEdit {
    const inverse = { offset: e.offset, deleted: e.inserted.length, inserted: removedText };
    this.edit(inverse, reason);
    return inverse;
  }
  /** Inkling inserts (or replaces) text, then records it. */
  inkling(offset: number, text: string, deleted = 0): void {
    this.edit({ offset, deleted, inserted: text });
    this.a.add(offset, text.length, { ...meta, text }, this.version);
  }
  get parts(): [string, boolean][] {
    return this.a.spans.map((s) => [this.text.slice(s.start, s.end), s.edited]);
  }
}

describe('who wrote what', () => {
  it('a passage streamed inside Inkling\'s own text in several edits leaves the text around it as written', () => {
    const d = new Doc('');
    d.inkling(0, 'Twenty characters ok');
    const since = d.version;
    // Continue inside that passage, streamed as three edits, recorded once after the last.
    d.edit({ offset: 10, deleted: 0, inserted: 'xx' });
    d.edit({ offset: 12, deleted: 0, inserted: 'yy' });
    d.edit({ offset: 14, deleted: 0, inserted: 'zz' });
    d.a.add(10, 6, meta, d.version, since);
    assert.deepEqual(d.parts, [['Twenty cha', false], ['xxyyzz', false], ['racters ok', false]]);
    assert.deepEqual(d.a.share(d.text.length), { total: 26, asWritten: 26, edited: 0 });
    // Without the stream's first version, the first edits' marks would stay (the defect).
    const e = new Doc('');
    e.inkling(0, 'Twenty characters ok');
    e.edit({ offset: 10, deleted: 0, inserted: 'xx' });
    e.edit({ offset: 12, deleted: 0, inserted: 'yy' });
    e.a.add(10, 4, meta, e.version);
    assert.ok(e.a.spans.some((s) => s.edited), 'the single-version rule alone leaves a mark');
  });

  it('a writer\'s edit before the stream began stays marked', () => {
    const d = new Doc('');
    d.inkling(0, 'Twenty characters ok');
    d.edit({ offset: 2, deleted: 0, inserted: 'W' });
    const since = d.version;
    d.edit({ offset: 11, deleted: 0, inserted: 'xx' });
    d.a.add(11, 2, meta, d.version, since);
    assert.deepEqual(d.parts, [['TwWenty cha', true], ['xx', false], ['racters ok', true]]);
  });

  it('an edit above moves Inkling\'s text; typing right before or after it is the writer\'s', () => {
    const d = new Doc('Mine. ');
    d.inkling(6, 'The model wrote this.');
    d.edit({ offset: 0, deleted: 0, inserted: 'Title\n\n' });
    d.edit({ offset: d.text.length, deleted: 0, inserted: ' And mine again.' });
    d.edit({ offset: 13, deleted: 0, inserted: '>' });
    assert.deepEqual(d.parts, [['The model wrote this.', false]]);
    assert.equal(d.text, 'Title\n\nMine. >The model wrote this. And mine again.');
  });

  it('typing inside marks it edited; deleting part of it keeps the rest, edited; deleting it all removes it', () => {
    const d = new Doc('');
    d.inkling(0, 'One two three four.');
    d.edit({ offset: 4, deleted: 3, inserted: 'TWO' });
    assert.deepEqual(d.parts, [['One TWO three four.', true]]);
    d.edit({ offset: 14, deleted: 6, inserted: '' });
    assert.deepEqual(d.parts, [['One TWO three ', true]]);
    d.edit({ offset: 0, deleted: 4, inserted: 'Zero ' });
    assert.deepEqual(d.parts, [['TWO three ', true]], 'replaced from before its start: the rest stays');
    d.edit({ offset: 0, deleted: d.text.length, inserted: 'all mine' });
    assert.deepEqual(d.parts, []);
  });

  it('an undone passage that is redone is Inkling\'s again, as it was; typing the same words by hand is the writer\'s', () => {
    const d = new Doc('The sea. ');
    const passage = 'Waves on waves.';
    d.inkling(9, passage);
    const insert = { offset: 9, deleted: 0, inserted: passage };
    const undo = d.invert(insert, '', 'undo');
    assert.deepEqual(d.parts, []);
    d.invert(undo, passage, 'redo');
    assert.deepEqual(d.parts, [[passage, false]], 'redo gives it back as written');
    d.invert(insert, '', 'undo');
    d.invert(undo, passage, 'redo');
    assert.deepEqual(d.parts, [[passage, false]], 'as often as the writer goes back and forth');
    // Deleted by the writer, then typed again by hand: the writer's now.
    d.edit({ offset: 9, deleted: passage.length, inserted: '' });
    d.edit({ offset: 9, deleted: 0, inserted: passage });
    assert.deepEqual(d.parts, []);
  });

  it('an undo that puts back other characters of the same length is the writer\'s, not Inkling\'s', () => {
    const d = new Doc('0123456789');
    d.inkling(10, 'hello');
    d.edit({ offset: 10, deleted: 5, inserted: '' });
    d.edit({ offset: 10, deleted: 0, inserted: 'abcde' });
    const cut = { offset: 10, deleted: 5, inserted: '' };
    d.edit(cut);
    d.invert(cut, 'abcde', 'undo');
    assert.deepEqual(d.parts, [], 'abcde stays the writer\'s');
    // Undone further back, to Inkling's own words: those are Inkling's again.
    d.invert({ offset: 10, deleted: 0, inserted: 'abcde' }, '', 'undo');
    d.invert({ offset: 10, deleted: 5, inserted: '' }, 'hello', 'undo');
    assert.deepEqual(d.parts, [['hello', false]]);
  });

  it('a passage\'s characters are followed through edits inside it, so an undo after one is still recognised', () => {
    const d = new Doc('');
    d.inkling(0, 'One two three.');
    d.edit({ offset: 4, deleted: 3, inserted: 'TWO' });
    assert.equal(d.a.spans[0]!.text, 'One TWO three.');
    const all = { offset: 0, deleted: 14, inserted: '' };
    d.edit(all);
    d.invert(all, 'One TWO three.', 'undo');
    assert.deepEqual(d.parts, [['One TWO three.', true]]);
  });

  it('a deletion undone brings the passage back with its state, past edits elsewhere that were undone first', () => {
    const d = new Doc('Title\n');
    d.inkling(6, 'One two three.');
    d.edit({ offset: 10, deleted: 3, inserted: 'TWO' });
    assert.deepEqual(d.parts, [['One TWO three.', true]]);
    const cut = { offset: 6, deleted: 14, inserted: '' };
    d.edit(cut);
    const above = { offset: 0, deleted: 0, inserted: 'Epigraph\n' };
    d.edit(above);
    d.invert(above, '', 'undo');
    d.invert(cut, 'One TWO three.', 'undo');
    assert.deepEqual(d.parts, [['One TWO three.', true]], 'back where it was, still marked edited');
  });

  it('a change of line endings keeps every passage on its characters, both ways', () => {
    const lf = 'Title\n\nOne line.\nTwo lines\nand three.\nMine.\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const a = new Authorship();
    const at = (text: string, part: string) => [text.indexOf(part), text.indexOf(part) + part.length] as const;
    const [s1, e1] = at(crlf, 'One line.\r\nTwo');
    const [s2, e2] = at(crlf, 'and three.\r\n');
    a.add(s1, e1 - s1, meta);
    a.add(s2, e2 - s2, meta);
    a.spans[1]!.edited = true;
    a.changeEol(lf, '\r\n', '\n');
    assert.deepEqual(a.spans.map((s) => [lf.slice(s.start, s.end), s.edited]), [['One line.\nTwo', false], ['and three.\n', true]]);
    a.changeEol(crlf, '\n', '\r\n');
    assert.deepEqual(a.spans.map((s) => [crlf.slice(s.start, s.end), s.edited]), [['One line.\r\nTwo', false], ['and three.\r\n', true]]);
    // A span ending between CR and LF (an editor never makes one; a stored file might) ends with its line.
    const b = new Authorship();
    b.add(crlf.indexOf('Mine'), 'Mine.\r'.length, { ...meta, text: 'Mine.\r' });
    b.changeEol(lf, '\r\n', '\n');
    assert.deepEqual(b.spans.map((s) => [lf.slice(s.start, s.end), s.edited]), [['Mine.', false]], 'not taken for an edit');
    // Reloaded with the same lengths but another word inside a passage: it counts as edited.
    const c = new Authorship();
    c.add(crlf.indexOf('One'), 'One line.'.length, { ...meta, text: 'One line.' });
    const changed = lf.replace('One line.', 'One lime.');
    c.changeEol(changed, '\r\n', '\n');
    assert.deepEqual(c.spans.map((s) => [changed.slice(s.start, s.end), s.edited]), [['One lime.', true]]);
  });

  it('tells a change of line endings from a reload with other words (both one edit over the whole text)', () => {
    const lf = 'a\nbb\nccc\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    assert.equal(lineEndingsOnly([{ offset: 0, deleted: crlf.length, inserted: lf }], lf, '\r\n', '\n'), true);
    assert.equal(lineEndingsOnly([{ offset: 0, deleted: lf.length, inserted: crlf }], crlf, '\n', '\r\n'), true);
    const other = 'a\nbX\nccc\n';
    assert.equal(lineEndingsOnly([{ offset: 0, deleted: crlf.length, inserted: other }], other, '\r\n', '\n'), true, 'same length: cannot tell, and a remap keeps lines');
    const longer = 'a\nbb\nccc\nnew line\n';
    assert.equal(lineEndingsOnly([{ offset: 0, deleted: crlf.length, inserted: longer }], longer, '\r\n', '\n'), false);
    assert.equal(lineEndingsOnly([{ offset: 2, deleted: 1, inserted: 'x' }], lf, '\r\n', '\n'), false);
    assert.equal(lineEndingsOnly([{ offset: 0, deleted: crlf.length, inserted: lf }], lf, '\n', '\n'), false);
  });

  it('Regenerate undone gives the first passage back, and redone the second', () => {
    const d = new Doc('Start: ');
    d.inkling(7, 'the cat sat on the mat.');
    d.inkling(7, 'a dog ran.', 'the cat sat on the mat.'.length);
    const regenerate = { offset: 7, deleted: 'the cat sat on the mat.'.length, inserted: 'a dog ran.' };
    const undo = d.invert(regenerate, 'the cat sat on the mat.', 'undo');
    assert.deepEqual(d.parts, [['the cat sat on the mat.', false]]);
    d.invert(undo, 'a dog ran.', 'redo');
    assert.deepEqual(d.parts, [['a dog ran.', false]]);
  });

  it('Inkling rewriting its own text (Regenerate, a chosen word) does not count as the writer\'s edit', () => {
    const d = new Doc('Start: ');
    d.inkling(7, 'the cat sat on the mat.');
    d.inkling(7, 'a dog ran.', 'the cat sat on the mat.'.length);
    assert.deepEqual(d.parts, [['a dog ran.', false]], 'Regenerate replaced it whole');
    d.inkling(9, 'fox leapt away.', 'dog ran.'.length);
    assert.deepEqual(d.parts, [['a ', false], ['fox leapt away.', false]], 'the kept part of a rewrite stays as written');
    d.inkling(11, 'grey ');
    assert.deepEqual(d.parts, [['a ', false], ['fo', false], ['grey ', false], ['x leapt away.', false]], 'writing inside an older passage splits it, and both parts stay as written');
  });

  it('says what share of the document it wrote', () => {
    const d = new Doc('0123456789');
    d.inkling(10, 'abcdefghij');
    d.inkling(20, '0123456789');
    d.edit({ offset: 22, deleted: 1, inserted: 'X' });
    assert.deepEqual(d.a.share(d.text.length), { total: 30, asWritten: 10, edited: 10 });
    assert.equal(shareLine(d.a.share(d.text.length)), 'Inkling wrote 67 % of this document: 33 % as written, 33 % since edited by you.');
    assert.equal(shareLine(new Authorship().share(10)), 'Inkling has written none of this document (that it knows of).');
    assert.equal(sharePercent(1, 1000), '<1 %');
    assert.equal(sharePercent(0, 0), '0 %');
  });

  it('stores its ranges with their texts and finds them again in a document edited elsewhere', () => {
    const d = new Doc('Mine.\n');
    d.inkling(6, 'Line by the model.\n');
    d.inkling(d.text.length, 'Another one.\n');
    d.edit({ offset: d.text.length - 3, deleted: 1, inserted: 'E' });
    const stored = JSON.parse(JSON.stringify(d.a.toStored('poem.md', d.text)));
    assert.equal(Authorship.restore(stored, d.text).spans.length, 2);
    const elsewhere = `A new first line.\n${d.text.replace('Another onE.\n', '')}`;
    const back = Authorship.restore(stored, elsewhere);
    assert.deepEqual(
      back.spans.map((s) => [elsewhere.slice(s.start, s.end), s.edited, s.model]),
      [['Line by the model.\n', false, 'inkling-verse']],
      'moved with the text above; the passage no longer there is dropped',
    );
    assert.equal(nearest('ab ab ab', 'ab', 4), 3);
    assert.equal(nearest('ab ab ab', 'ab', 6), 6);
    assert.equal(nearest('ab', 'x', 0), -1);
  });

  it('rebuilds the ranges from the provenance log where no ranges were kept', () => {
    const text = '# Poem\n\nShall I compare thee\nto a summer\'s day?\nThou art more lovely\n';
    const settings = { sampling: DEFAULT_SAMPLING, maxNewTokens: 40, stopStrings: [], lines: 1, kind: 'verse' as const };
    const record = (line: number, t: string, time: string) => provenanceRecord({ command: 'continue', text: t, model: 'stories260K', seed: 1, complete: true, settings, time: new Date(time), document: 'poem.md', start: { line, character: 0 } });
    const records = [record(4, 'Thou art more lovely\n', '2026-11-21T09:00:00Z'), record(3, 'to a summer\'s day?\n', '2026-11-20T09:00:00Z'), record(9, 'gone since\n', '2026-11-20T08:00:00Z')];
    const lines = text.split('\n');
    const offsetOf = (line: number, character: number) => lines.slice(0, line).join('\n').length + (line > 0 ? 1 : 0) + character;
    const a = Authorship.fromRecords(records, text, offsetOf);
    assert.deepEqual(a.spans.map((s) => text.slice(s.start, s.end)), ['to a summer\'s day?\n', 'Thou art more lovely\n']);
    const crlf = text.replace(/\n/g, '\r\n');
    assert.equal(Authorship.fromRecords(records, crlf, (l, c) => offsetOf(l, c) + l, '\r\n').spans.length, 2, 'a CRLF document too');
  });

  it('writes a disclosure with the model, the dates, the share and each passage', () => {
    const d = new Doc('# Poem\n\nMy first line.\n');
    d.inkling(d.text.length, 'The model\'s line.\nAnd another.\n');
    d.a.spans[0]!.time = '2026-11-20T10:00:00.000Z';
    d.inkling(d.text.length, 'A third.\n');
    d.a.spans[1]!.time = '2026-11-22T18:30:00.000Z';
    d.a.spans[1]!.command = 'ghostText';
    d.edit({ offset: d.text.length - 3, deleted: 0, inserted: '!' });
    const md = disclosureMarkdown({ document: 'poem.md', text: d.text, authorship: d.a, records: [], now: new Date('2026-11-29T12:00:00Z') });
    assert.match(md, /^# AI writing disclosure: poem\.md$/m);
    assert.match(md, /\*\*Share written by the model:\*\* 64 % of 64 characters — 48 % as the model wrote it, 16 % since edited by the author\./);
    assert.match(md, /\*\*Model:\*\* inkling-verse/);
    assert.match(md, /\*\*Dates:\*\* 2026-11-20 to 2026-11-22/);
    assert.match(md, /\*\*How:\*\* Continue ×1, ghost text ×1/);
    assert.match(md, /^\| 4–5 \| 2026-11-20 10:00 \| Continue \| inkling-verse \| as written \|$/m);
    assert.match(md, /^\| 6 \| 2026-11-22 18:30 \| ghost text \| inkling-verse \| edited by the author \|$/m);
    assert.match(md, /Made by Inkling on 2026-11-29\./);
  });

  it('numbers the lines of many passages in a long text as counting them one by one would', () => {
    const d = new Doc('');
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      d.edit({ offset: d.text.length, deleted: 0, inserted: `The writer's paragraph ${i}.\n`.repeat(1 + (i % 3)) });
      const at = d.text.length;
      d.inkling(at, i % 2 ? 'One line.\n' : 'Two lines,\nof the model.\n');
      const first = d.text.slice(0, at).split('\n').length;
      const last = d.text.slice(0, d.text.length - 1).split('\n').length;
      expected.push(first === last ? `${first}` : `${first}–${last}`);
    }
    const md = disclosureMarkdown({ document: 'novel.md', text: d.text, authorship: d.a, records: [], now: new Date('2026-11-29T12:00:00Z') });
    const rows = md.split('\n').filter((l) => /^\| \d/.test(l)).map((l) => l.split(' | ')[0]!.slice(2));
    assert.deepEqual(rows, expected);
  });

  it('restores stored spans sorted, leaving out one that overlaps a span before it', () => {
    const text = 'aaaa bbbb cccc dddd';
    const span = (start: number, t: string) => ({ start, end: start + t.length, text: t, edited: false, command: 'continue', model: 'm', time: '' });
    const back = Authorship.restore({ v: 1, document: 'x.md', formerNames: [], spans: [span(10, 'cccc'), span(0, 'aaaa'), span(2, 'aa bb'), span(15, 'dddd')] }, text);
    assert.deepEqual(back.spans.map((s) => [s.start, s.end]), [[0, 4], [10, 14], [15, 19]]);
  });
});
