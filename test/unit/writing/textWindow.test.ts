import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { READ_AFTER_CHARS, SCAN_BEFORE_CHARS, windowAround } from '../../../src/writing/prompts/text/textWindow';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../../../src/writing/prompts/ghost/ghostRequest';

function lineStarts(text: string): (offset: number) => number {
  return (o) => text.lastIndexOf('\n', o - 1) + 1;
}

describe('the window of a document a request reads', () => {
  it('a short document is read whole', () => {
    const text = 'Shall I compare thee\nto a summer\'s day?\n';
    assert.deepEqual(windowAround(text.length, text.length, lineStarts(text)), { start: 0, end: text.length, atDocumentStart: true });
  });

  it('a 3 MB manuscript reads a few kilobytes around the cursor, from a line start', () => {
    const para = 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n\n';
    const text = para.repeat(Math.ceil(3_000_000 / para.length));
    const cursor = Math.floor(text.length / 2);
    const w = windowAround(cursor, text.length, lineStarts(text));
    assert.ok(w.end - w.start <= SCAN_BEFORE_CHARS + READ_AFTER_CHARS + 2_000, `reads ${w.end - w.start} characters (a line start at most 2,000 earlier)`);
    assert.ok(w.start > 0 && !w.atDocumentStart);
    assert.equal(text[w.start - 1], '\n', 'starts at a line start');
    assert.equal(w.end, cursor + READ_AFTER_CHARS);
  });

  it('one enormous line is cut mid-line rather than read back to its start', () => {
    const text = 'word '.repeat(400_000);
    const w = windowAround(text.length, text.length, lineStarts(text));
    assert.equal(w.start, text.length - SCAN_BEFORE_CHARS);
  });

  it('ghost text at the end of a 3 MB manuscript asks the same prompt as for its last pages alone', () => {
    const para = 'She walked to the window and looked out at the rain falling on the harbour.\n\n';
    const text = `${para.repeat(Math.ceil(3_000_000 / para.length))}And then `;
    const w = windowAround(text.length, text.length, lineStarts(text));
    const windowed = buildGhostRequest({ text: text.slice(w.start, w.end), offset: text.length - w.start, atDocumentStart: w.atDocumentStart, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS });
    const whole = buildGhostRequest({ text, offset: text.length, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS });
    assert.ok(windowed.ok && whole.ok, 'a suggestion is asked for (the old 2,000,000-character cap gave none)');
    assert.equal(windowed.prompt, whole.prompt);
    assert.ok(windowed.prompt.length <= GHOST_PROMPT_CHARS);
  });

  it('a window that begins with a thematic break is not read as front matter', () => {
    const body = 'A line of verse,\nand another one.\n'.repeat(2000);
    const text = `---\ntitle: x\n---\n${body}---\n${body}`;
    const start = text.lastIndexOf('---\n');
    const window = text.slice(start);
    const r = buildGhostRequest({ text: window, offset: window.length, atDocumentStart: false, explicit: true, maxPromptChars: GHOST_PROMPT_CHARS });
    assert.ok(r.ok, 'the cursor is not taken to be in front matter');
  });
});
