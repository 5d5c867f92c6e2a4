import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNotes, lastMention, newNoteText, noteFileName, notesFolderProblem, parseNote, validateNotesSettings, MAX_NOTE_CHARS, type StoryNote } from '../../../src/writing/prompts/outline/storyNotes';

const note = (name: string, body: string, over: Partial<StoryNote> = {}): StoryNote => ({ name, keys: [name], always: false, priority: 0, body, ...over });
const settings = { scanChars: 2000, budgetTokens: 100 };

describe('story note files', () => {
  it('read keys as a list, a block list or one value; always; priority; the body without front matter', () => {
    const a = parseNote('Elizabeth', '---\nkeys: [Elizabeth, "Lizzy", \'Miss Bennet\']\npriority: 2\n---\nElizabeth Bennet, the second daughter.\n').note;
    assert.deepEqual(a, { name: 'Elizabeth', keys: ['Elizabeth', 'Lizzy', 'Miss Bennet'], always: false, priority: 2, body: 'Elizabeth Bennet, the second daughter.' });
    const b = parseNote('Places', '---\r\nkeys:\r\n  - Longbourn\r\n  - Netherfield Park\r\nalways: false\r\n---\r\nTwo houses.').note;
    assert.deepEqual(b.keys, ['Longbourn', 'Netherfield Park']);
    assert.equal(b.body, 'Two houses.');
    assert.deepEqual(parseNote('Tone', '---\nalways: true\n---\nThe narrator is ironic.').note, { name: 'Tone', keys: [], always: true, priority: 0, body: 'The narrator is ironic.' });
    assert.deepEqual(parseNote('x', '---\nkey: Darcy\n---\nProud.').note.keys, ['Darcy']);
  });

  it('without front matter the file name is the key; a bad priority or a long note is read anyway, with a problem', () => {
    assert.deepEqual(parseNote('Longbourn', 'The Bennets\u2019 house.').note.keys, ['Longbourn']);
    const bad = parseNote('Darcy', '---\npriority: high\n---\nProud.');
    assert.equal(bad.note.priority, 0);
    assert.match(bad.problem!, /priority/);
    const long = parseNote('Long', 'x'.repeat(MAX_NOTE_CHARS + 10));
    assert.equal(long.note.body.length, MAX_NOTE_CHARS);
    assert.match(long.problem!, /longer/);
  });
});

describe('choosing notes', () => {
  const eliza = note('Elizabeth', 'Elizabeth: quick and teasing.', { keys: ['Elizabeth', 'Lizzy'] });
  const darcy = note('Darcy', 'Darcy: proud, rich, reserved.');
  const house = note('Longbourn', 'Longbourn: the Bennets\u2019 house.');
  const tone = note('Tone', 'The narrator is ironic.', { always: true, keys: [] });

  it('a note enters when a key appears, as a whole word in any case; an always note always', () => {
    const c = chooseNotes([eliza, darcy, house, tone], 'Then LIZZY laughed at Mr. Darcyish men.', settings);
    assert.deepEqual(c.used.map((n) => n.name), ['Elizabeth', 'Tone']);
    assert.equal(c.block, 'Elizabeth: quick and teasing.\n\nThe narrator is ironic.\n\n');
    assert.deepEqual(chooseNotes([eliza, darcy], 'Nobody here.', settings), { used: [], block: '', left: [] });
  });

  it('only the recent text is searched', () => {
    const passage = `Darcy came. ${'And then the rain. '.repeat(200)}`;
    assert.deepEqual(chooseNotes([darcy], passage, settings).used, []);
    assert.deepEqual(chooseNotes([darcy], passage, { ...settings, scanChars: 20_000 }).used.map((n) => n.name), ['Darcy']);
  });

  it('within the budget: priority first, then the latest mention; the rest are named as left out', () => {
    const small = { scanChars: 2000, budgetTokens: 10 }; // 40 characters: one note
    assert.deepEqual(chooseNotes([eliza, darcy], 'Darcy bowed. Elizabeth smiled.', small).used.map((n) => n.name), ['Elizabeth'], 'the latest mention');
    assert.deepEqual(chooseNotes([eliza, darcy], 'Elizabeth smiled. Darcy bowed.', small).used.map((n) => n.name), ['Darcy']);
    const urgent = { ...darcy, priority: 5 };
    const c = chooseNotes([eliza, urgent], 'Darcy bowed. Elizabeth smiled.', small);
    assert.deepEqual(c.used.map((n) => n.name), ['Darcy'], 'priority before recency');
    assert.deepEqual(c.left, ['Elizabeth']);
    assert.deepEqual(chooseNotes([eliza], 'Elizabeth', { ...settings, budgetTokens: 0 }).used, []);
  });

  it('the block keeps its order while only the mentions move (the prompt cache stays usable)', () => {
    const a = chooseNotes([eliza, darcy, house], 'Darcy, Elizabeth and Longbourn.', settings).block;
    const b = chooseNotes([eliza, darcy, house], 'Longbourn, Elizabeth, then Darcy.', settings).block;
    assert.equal(a, b);
  });

  it('lastMention finds the last whole-word mention of any key', () => {
    assert.equal(lastMention('Lizzy and Elizabeth, then Lizzy.', ['Elizabeth', 'Lizzy']), 26);
    assert.equal(lastMention('Elizabethan', ['Elizabeth']), -1);
    assert.equal(lastMention('Élodie dit bonjour', ['élodie']), 0);
    assert.equal(lastMention('宝玉说林黛玉来了', ['林黛玉']), 3, 'Chinese is written without spaces: no word boundary to find');
  });
});

describe('notes settings and files', () => {
  it('the folder stays inside the workspace', () => {
    assert.equal(notesFolderProblem('.inkling/notes'), null);
    assert.equal(notesFolderProblem('notes/people'), null);
    for (const bad of ['/etc', '../other', 'notes/../../x', 'C:\\notes', '~/notes', '', 3]) assert.ok(notesFolderProblem(bad), String(bad));
    const v = validateNotesSettings({ folder: '../../secrets', scanChars: 1e9, budgetTokens: -3, enabled: false });
    assert.deepEqual(v.settings, { enabled: false, folder: '.inkling/notes', scanChars: 20_000, budgetTokens: 0 });
    assert.equal(v.problems.length, 3);
    assert.equal(validateNotesSettings({ folder: './story/notes/' }).settings.folder, 'story/notes');
  });

  it('a new note from a selected name: a safe file name, the name as its key', () => {
    assert.equal(noteFileName('Elizabeth Bennet'), 'Elizabeth Bennet.md');
    assert.equal(noteFileName('a/b:c'), 'a b c.md');
    assert.equal(noteFileName('..'), null);
    assert.equal(noteFileName('   '), null);
    const text = newNoteText('Bennet, Mrs');
    assert.deepEqual(parseNote('Bennet, Mrs', text).note.keys, ['Bennet, Mrs']);
    assert.deepEqual(parseNote('Darcy', newNoteText('Darcy')).note.keys, ['Darcy']);
  });
});
