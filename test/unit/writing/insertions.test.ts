// What the writing commands keep about their insertions: Expand Outline's plan and passages, the
// last insertion followed through edits (for Regenerate), and provenance records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InsertionTracker, shiftRange } from '../../../src/writing/history/insertionTracker';
import { parseOutline } from '../../../src/writing/prompts/outline/outline';
import { buildPassageRequest, lineEndOffset, passageParagraph, planOutlineExpansion, proseBefore } from '../../../src/writing/prompts/outline/outlineExpansion';
import { parseProvenance, provenanceLine, provenanceRecord } from '../../../src/writing/history/provenanceRecord';
import { DEFAULT_SAMPLING } from '../../../src/writing/settings/samplingSettings';
import { corpusDir, repoRoot } from '../../support/paths';

const outline = readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', 'outline.md'), 'utf8');
const nested = '# Part one\n\nNotes about part one.\n\n## Chapter 1\n- Meeting\n- Quarrel\n  which ends badly\n\n## Chapter 2\n\n# Part two\n1. Ending\n';

/** Writes every slot's passage the way Expand Outline does, with `write(prompt)` as the model. */
function expand(text: string, write: (prompt: string, index: number) => string): { text: string; prompts: string[] } {
  const points = planOutlineExpansion(text).slots.map((s) => s.point);
  const prompts: string[] = [];
  points.forEach((point, i) => {
    const plan = planOutlineExpansion(text);
    const slot = plan.slots.findIndex((s) => s.point === point);
    const request = buildPassageRequest(text, plan, slot);
    prompts.push(request.prompt);
    const at = lineEndOffset(text, request.slot.afterLine);
    text = text.slice(0, at) + request.finish(write(request.prompt, i), true) + text.slice(at);
  });
  return { text, prompts };
}

describe('outline expansion', () => {
  it('plans one passage per plot point without sub-points, in order, indented into its list item', () => {
    const plan = planOutlineExpansion(outline);
    assert.deepEqual(plan.slots.map((s) => [s.title.slice(0, 20), s.afterLine, s.indent]), [
      ['Anna finds a letter ', 2, '  '],
      ['She rows across the ', 3, '  '],
      ['The harbour-master r', 4, '  '],
      ['At dawn Anna climbs ', 5, '  '],
    ]);
  });

  it('writes under leaf headings and list items, after their notes, and not under points with sub-points', () => {
    const plan = planOutlineExpansion(nested);
    assert.deepEqual(plan.slots.map((s) => [s.title, s.afterLine, s.indent]), [
      ['Meeting', 5, '  '],
      ['Quarrel which ends badly', 7, '  '],
      ['Chapter 2', 9, ''],
      ['Ending', 12, '   '],
    ]);
  });

  it('expands only the points the selection starts on', () => {
    const plan = planOutlineExpansion(outline, { start: 3, end: 4 });
    assert.deepEqual(plan.slots.map((s) => s.afterLine), [3, 4]);
    assert.deepEqual(planOutlineExpansion('Just prose here.\nNo list.').slots, []);
  });

  it('inserts one paragraph per point, in order, and the outline keeps exactly its points', () => {
    const { text, prompts } = expand(outline, (_p, i) => `Passage ${i + 1} begins.\nIt goes on.\n\nNot this paragraph.`);
    assert.equal(prompts.length, 4);
    assert.equal(
      text,
      '# The Keeper\'s Letter\n\n' +
        '- Anna finds a letter in the lighthouse, addressed to her mother.\n\n  Passage 1 begins. It goes on.\n\n' +
        '- She rows across the bay in the rain to ask the harbour-master about it.\n\n  Passage 2 begins. It goes on.\n\n' +
        '- The harbour-master reads it and tells her the truth about the boat.\n\n  Passage 3 begins. It goes on.\n\n' +
        '- At dawn Anna climbs the tower and lights the lamp again.\n\n  Passage 4 begins. It goes on.\n',
    );
    assert.deepEqual(
      parseOutline(text).map((p) => [p.text, p.depth, p.kind]),
      parseOutline(outline).map((p) => [p.text, p.depth, p.kind]),
    );
  });

  it('conditions each passage on the outline and the passages before it', () => {
    const { prompts } = expand(outline, (_p, i) => `Passage ${i + 1}.`);
    assert.ok(prompts[0]!.startsWith('Outline:\n- The Keeper\'s Letter\n  - Anna finds'));
    assert.ok(!prompts[0]!.includes('Written so far'));
    assert.ok(prompts[2]!.includes('Written so far:\nPassage 1.\n\nPassage 2.\n\n'), prompts[2]);
    assert.ok(prompts[3]!.endsWith('Next, The Keeper\'s Letter \u203a At dawn Anna climbs the tower and lights the lamp again.:\n'));
  });

  it('escapes a passage that Markdown would read as a point, and drops an empty one', () => {
    assert.equal(passageParagraph('- not a list'), '\\- not a list');
    assert.equal(passageParagraph('# Not a heading'), '\\# Not a heading');
    assert.equal(passageParagraph('3. Not numbered'), '3\\. Not numbered');
    assert.equal(passageParagraph('  She  left\nat dawn. '), 'She left at dawn.');
    const plan = planOutlineExpansion(outline);
    assert.equal(buildPassageRequest(outline, plan, 0).finish('\n\n', true), '');
    assert.deepEqual(buildPassageRequest(outline, plan, 0).formConstraint, { paragraph: true }, 'a passage ends after a sentence');
    assert.throws(() => buildPassageRequest(outline, plan, 9), RangeError);
  });

  it('reads the prose before a point without the outline\'s own lines', () => {
    const points = parseOutline(nested);
    assert.equal(proseBefore(nested, points, 7), 'Notes about part one.');
    assert.equal(lineEndOffset('ab\ncd\n', 1), 5);
    assert.equal(lineEndOffset('ab', 4), 2);
  });

  it('treats the Tang poems as an outline of titles with their poems as notes', () => {
    const tang = readFileSync(join(corpusDir, 'tang-300-part1.txt'), 'utf8').split('\n').slice(0, 24).join('\n');
    const plan = planOutlineExpansion(tang);
    assert.deepEqual(plan.slots.slice(0, 3).map((s) => s.title), ['在嶽詠蟬', '登幽州臺歌', '經鄒魯祭孔子而歎之']);
    // Each passage goes after the poem under its title, not between the title and the poem.
    assert.equal(tang.split('\n')[plan.slots[0]!.afterLine], '無人信高潔，誰爲表予心。');
  });
});

describe('insertion tracker', () => {
  it('moves a range with edits before it and keeps it through edits after it or right at its edges', () => {
    assert.equal(shiftRange(10, 5, { offset: 0, deleted: 0, inserted: 'abc' }), 13);
    assert.equal(shiftRange(10, 5, { offset: 2, deleted: 8, inserted: '' }), 2);
    assert.equal(shiftRange(10, 5, { offset: 15, deleted: 0, inserted: 'x' }), 10);
    assert.equal(shiftRange(10, 5, { offset: 10, deleted: 0, inserted: 'x' }), 11);
    assert.equal(shiftRange(10, 5, { offset: 20, deleted: 3, inserted: '' }), 10);
  });

  it('notices an edit inside or across the range', () => {
    assert.equal(shiftRange(10, 5, { offset: 12, deleted: 0, inserted: 'x' }), null);
    assert.equal(shiftRange(10, 5, { offset: 8, deleted: 3, inserted: '' }), null);
    assert.equal(shiftRange(10, 5, { offset: 14, deleted: 2, inserted: 'y' }), null);
  });

  it('says whether the last insertion is still exactly as inserted', () => {
    const t = new InsertionTracker<string>();
    assert.equal(t.check('doc', 'text').ok, false);
    let doc = 'Before. Inserted text. After.';
    t.record('doc', 8, 'Inserted text.', 'seed 1');
    const ok = t.check('doc', doc);
    assert.ok(ok.ok && ok.insertion.detail === 'seed 1');
    doc = `New start. ${doc}`;
    t.applyEdit('doc', { offset: 0, deleted: 0, inserted: 'New start. ' });
    const moved = t.check('doc', doc);
    assert.ok(moved.ok && moved.insertion.start === 19);
    t.applyEdit('doc', { offset: 22, deleted: 1, inserted: 'X' });
    const edited = t.check('doc', doc.slice(0, 22) + 'X' + doc.slice(23));
    assert.equal(edited.ok, false);
    assert.equal(!edited.ok && edited.reason, 'edited');
    assert.match(!edited.ok ? edited.message : '', /edited/);
  });

  it('refuses text that no longer matches even without a tracked edit, and forgets closed documents', () => {
    const t = new InsertionTracker<null>();
    t.record('doc', 0, 'abc', null);
    assert.equal(t.check('doc', 'abd').ok, false);
    t.forget('doc');
    assert.equal(!t.check('doc', 'abc').ok && (t.check('doc', 'abc') as { reason: string }).reason, 'none');
  });
});

describe('provenance records', () => {
  const base = {
    time: new Date('2025-05-01T10:00:00Z'),
    document: 'poems\\sonnet.md',
    command: 'continue' as const,
    start: { line: 17, character: 0 },
    text: 'A first new line,\r\nand a second',
    model: 'stories260K',
    seed: 7,
    complete: true,
    settings: { sampling: DEFAULT_SAMPLING, maxNewTokens: 84, stopStrings: [], lines: 2, kind: 'verse' as const },
  };

  it('records where the text lies, what wrote it, and the text itself', () => {
    const r = provenanceRecord(base);
    assert.equal(r.v, 1);
    assert.equal(r.time, '2025-05-01T10:00:00.000Z');
    assert.equal(r.document, 'poems/sonnet.md');
    assert.deepEqual(r.range, { start: { line: 17, character: 0 }, end: { line: 18, character: 12 } });
    assert.equal(r.text, 'A first new line,\nand a second');
    assert.equal(r.seed, 7);
    assert.equal(r.replaced, undefined);
    const one = provenanceRecord({ ...base, start: { line: 3, character: 5 }, text: ' words', replaced: 'old\r\nwords' });
    assert.deepEqual(one.range.end, { line: 3, character: 11 });
    assert.equal(one.replaced, 'old\nwords');
  });

  it('writes one JSON line per record and reads them back, skipping a torn line', () => {
    const lines = provenanceLine(provenanceRecord(base)) + provenanceLine(provenanceRecord({ ...base, seed: 8 })) + '{"v":1,"te';
    assert.equal(lines.split('\n').length, 3);
    assert.deepEqual(parseProvenance(lines).map((r) => r.seed), [7, 8]);
  });
});
