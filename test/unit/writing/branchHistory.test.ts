// The branch history of a document: places and their branches, followed through edits (above,
// inside, Undo and Redo), switches planned only while the text at the place is as Inkling wrote
// it, places found again in a document edited elsewhere, the bounds, and the stored form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BranchHistory, branchFileName, branchLabel, branchLabels, isHashedFileName, type OfferedBranch } from '../../../src/writing/history/branchHistory';
import type { TextEdit } from '../../../src/writing/history/insertionTracker';
import { DEFAULT_SAMPLING } from '../../../src/writing/settings/samplingSettings';

const settings = { sampling: DEFAULT_SAMPLING, maxNewTokens: 40, stopStrings: [], lines: 2, kind: 'verse' as const };
const offered = (text: string, seed = 1): OfferedBranch => ({ text, seed, command: 'continue', model: 'stories260K', settings });

/** A document and its history, edited the way VS Code reports edits. */
class Doc {
  history: BranchHistory;
  constructor(
    public text: string,
    clock = { t: 0 },
  ) {
    this.history = BranchHistory.empty('poem.md', { places: 3, branches: 3, textChars: 1000 }, () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock.t++)));
  }
  edit(e: TextEdit): void {
    this.text = this.text.slice(0, e.offset) + e.inserted + this.text.slice(e.offset + e.deleted);
    this.history.applyEdit(e);
  }
  insert(offset: number, text: string): void {
    this.edit({ offset, deleted: 0, inserted: text });
  }
  /** Does what the editor does for a switch. */
  switchTo(place: string, branch: string): boolean {
    const plan = this.history.planSwitch(this.text, place, branch);
    if (!plan.ok) return false;
    this.edit({ offset: plan.start, deleted: plan.end - plan.start, inserted: plan.text });
    this.history.switched(place, branch);
    return true;
  }
}

const opening = 'Shall I compare thee to a summer\'s day?\n';

describe('branch history', () => {
  it('keeps the continuations offered at a place as its branches, each text once, the inserted one current', () => {
    const doc = new Doc(opening);
    const at = doc.text.length;
    doc.insert(at, 'Thou art more lovely\n');
    const { place } = doc.history.offer(doc.text, at, [offered('Thou art more lovely\n', 7)], 0);
    assert.equal(place.branches.length, 1);
    assert.equal(place.current, place.branches[0]!.id);
    // Show Alternatives at the same place later: the same place, no duplicate of the text there.
    const again = doc.history.offer(doc.text, at, [offered('Thou art more lovely\n', 7), offered('And summer fades\n', 8)], null);
    assert.equal(again.place.id, place.id);
    assert.deepEqual(place.branches.map((b) => b.seed), [7, 8]);
    assert.equal(place.current, place.branches[0]!.id, 'none inserted: the current one stays');
    // Elsewhere: another place.
    assert.notEqual(doc.history.offer(doc.text, 5, [offered(' x')], null).place.id, place.id);
  });

  it('switching swaps the text at the place, and back; an edit inside the text refuses it', () => {
    const doc = new Doc(opening);
    const at = doc.text.length;
    doc.insert(at, 'A first line\n');
    const { place } = doc.history.offer(doc.text, at, [offered('A first line\n'), offered('Another line\n', 2)], 0);
    const [first, second] = place.branches;
    assert.ok(doc.switchTo(place.id, second!.id));
    assert.equal(doc.text, `${opening}Another line\n`);
    assert.equal(place.current, second!.id);
    assert.ok(doc.switchTo(place.id, first!.id));
    assert.equal(doc.text, `${opening}A first line\n`, 'back to exactly the first text');
    assert.deepEqual(doc.history.planSwitch(doc.text, place.id, first!.id), { ok: false, reason: 'current', message: 'That branch is the text already there.' });
    doc.insert(at + 3, 'X');
    const refused = doc.history.planSwitch(doc.text, place.id, second!.id);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'edited');
    assert.match(!refused.ok ? refused.message : '', /edited the text at this place/);
  });

  it('edits above move a place; Undo empties it and a switch then inserts; Redo puts the branch back', () => {
    const doc = new Doc(opening);
    const at = doc.text.length;
    doc.insert(at, 'Line one\n');
    const { place } = doc.history.offer(doc.text, at, [offered('Line one\n'), offered('Line two\n')], 0);
    doc.insert(0, '# Title\n\n');
    assert.equal(place.offset, at + 9);
    doc.insert(doc.text.length, 'more of mine');
    assert.equal(place.edited, false, 'typing after the text leaves it whole');
    doc.edit({ offset: place.offset, deleted: 'Line one\n'.length, inserted: '' });
    assert.equal(place.current, null, 'Undo took the text away: the place is empty');
    doc.insert(place.offset, 'Line one\n');
    assert.equal(place.current, place.branches[0]!.id, 'Redo put the same branch back');
    doc.edit({ offset: place.offset, deleted: 'Line one\n'.length, inserted: '' });
    assert.ok(doc.switchTo(place.id, place.branches[1]!.id));
    assert.equal(doc.text, `# Title\n\n${opening}Line two\nmore of mine`);
  });

  it('a place whose preceding text changed is not switched; a document edited elsewhere is searched', () => {
    const doc = new Doc(opening);
    const at = doc.text.length;
    doc.insert(at, 'Line one\n');
    const { place } = doc.history.offer(doc.text, at, [offered('Line one\n'), offered('Line two\n')], 0);
    const stored = JSON.stringify(doc.history.toJSON());
    // Opened later, after edits made outside VS Code: text above changed, the place moved.
    const elsewhere = `Preface.\n\n${doc.text}`;
    const reopened = BranchHistory.parse(stored, 'poem.md');
    reopened.relocate(elsewhere);
    assert.equal(reopened.place(place.id)!.offset, at + 10);
    assert.equal(reopened.place(place.id)!.lost, false);
    const plan = reopened.planSwitch(elsewhere, place.id, place.branches[1]!.id);
    assert.ok(plan.ok && plan.start === at + 10 && plan.replaced === 'Line one\n');
    // The line before the place rewritten: not found.
    const rewritten = BranchHistory.parse(stored, 'poem.md');
    rewritten.relocate(`Shall I compare thee to a winter's night?\nLine one\n`);
    assert.equal(rewritten.place(place.id)!.lost, true);
    assert.equal(rewritten.planSwitch('', place.id, place.branches[1]!.id).ok, false);
    // In the session: an edit just before the place.
    doc.insert(at - 2, 'X');
    const moved = doc.history.planSwitch(doc.text, place.id, place.branches[1]!.id);
    assert.equal(!moved.ok && moved.reason, 'moved');
  });

  it('is bounded: branches per place (the current one kept), places by last use', () => {
    const doc = new Doc(opening);
    const { place } = doc.history.offer(doc.text, 10, [offered(' a')], 0);
    doc.history.offer(doc.text, 10, [offered(' b'), offered(' c'), offered(' d')], null);
    assert.deepEqual(place.branches.map((b) => b.text), [' a', ' c', ' d'], 'the oldest that is not current went');
    doc.history.offer(doc.text, 20, [offered(' e')], null);
    doc.history.offer(doc.text, 30, [offered(' f')], null);
    doc.history.offer(doc.text, 10, [offered(' a')], 0);
    doc.history.offer(doc.text, 35, [offered(' g')], null);
    assert.deepEqual(doc.history.places.map((p) => p.offset).sort((a, b) => a - b), [10, 30, 35], 'the least recently used place went');
    assert.equal(doc.history.offer(doc.text, 40, [offered('x'.repeat(1001))], null).branches.length, 0, 'a text past the limit is not kept');
  });

  it('reads back what it stored, and drops what is malformed', () => {
    const doc = new Doc(opening);
    doc.history.offer(doc.text, opening.length, [offered('One\n', 3), offered('Two\n', 4)], 1);
    const back = BranchHistory.parse(JSON.stringify(doc.history.toJSON()), 'renamed.md');
    assert.equal(back.data.document, 'renamed.md');
    assert.deepEqual(back.places, doc.history.places);
    const next = back.offer(doc.text, 3, [offered(' more')], null);
    assert.ok(!doc.history.places.some((p) => p.id === next.place.id), 'new ids do not collide with stored ones');
    assert.deepEqual(BranchHistory.parse('{"v":1,"places":[{"id":"p1","offset":-3,"anchor":"","branches":[]},{"nonsense":true}]}', 'x').places, []);
    assert.deepEqual(BranchHistory.parse('not json', 'x').places, []);
  });

  it('labels and file names', () => {
    assert.equal(branchLabel('\nThou art more lovely and more temperate: rough winds do shake the darling buds of May'), 'Thou art more lovely and more temperate: rough winds do…');
    assert.equal(branchFileName('chapters/one two.md'), 'chapters%2Fone%20two.md.json');
    assert.equal(isHashedFileName(branchFileName('chapters/one two.md')), false);
  });

  it('a path too long for a file name keeps its end and a hash of the whole, within 255 bytes with the atomic write\'s suffix', () => {
    // 28 Chinese characters encode to 252 bytes: the old name (with its .tmp) could not be created.
    const chinese = '诗集/' + '春眠不觉晓处处闻啼鸟夜来风雨声花落知多少'.repeat(2) + '.md';
    const deep = `${'chapter/'.repeat(40)}the-last-one.md`;
    for (const doc of [chinese, deep]) {
      const name = branchFileName(doc);
      assert.ok(Buffer.byteLength(`${name}.0123456789ab.tmp`) <= 255, `${name} (${Buffer.byteLength(name)} bytes)`);
      assert.ok(isHashedFileName(name));
      assert.ok(decodeURIComponent(name.slice(0, name.indexOf('%%'))).length > 5 && doc.endsWith(decodeURIComponent(name.slice(0, name.indexOf('%%')))), 'the readable part is the end of the path');
    }
    assert.match(branchFileName(deep), /%2Fthe-last-one\.md%%[0-9a-z]+-[0-9a-z]+\.json$/);
    // Two long paths that end alike are still two files; the same path is always the same file.
    assert.notEqual(branchFileName(`a/${deep}`), branchFileName(`b/${deep}`));
    assert.equal(branchFileName(chinese), branchFileName(chinese));
    // Every name that could be written before keeps it (233 bytes + .json + the .tmp suffix fit in 255).
    assert.equal(branchFileName('x'.repeat(233)), `${'x'.repeat(233)}.json`);
    assert.equal(branchFileName('诗'.repeat(25)), `${encodeURIComponent('诗'.repeat(25))}.json`, '25 Chinese characters: 225 bytes, as before');
    assert.ok(isHashedFileName(branchFileName('x'.repeat(234))));
    assert.deepEqual(branchLabels(['One day, Tim saw a big cable.', 'One day, Tim saw a big tree.', 'One day, Tim was playing.']), ['…Tim saw a big cable.', '…Tim saw a big tree.', '…Tim was playing.'], 'where they differ');
    assert.deepEqual(branchLabels(['The sea is calm', 'The sky is grey']), ['The sea is calm', 'The sky is grey']);
    assert.deepEqual(branchLabels(['Only one branch here at all']), ['Only one branch here at all']);
  });
});
