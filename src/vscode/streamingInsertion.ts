/**
 * Writes a growing text into the editor as it streams from the model, so that the whole
 * insertion is one undo step, and steps aside the moment the writer edits the document.
 */
import * as vscode from 'vscode';
import { shiftRange, type TextEdit } from '../writing/insertionTracker';

/**
 * Edits that undo together. The first edit of the group pushes an undo stop before it, later
 * ones join the same undo element, and `close` pushes the stop after the last.
 */
export class UndoGroup {
  started = false;
}

/** Why an insertion stopped changing. */
export type InsertionState = 'writing' | 'settled' | 'interrupted' | 'failed';

export class StreamingInsertion implements vscode.Disposable {
  private start: number;
  /** Our text as it stands in the document now (document line breaks). */
  private shown = '';
  private desired = '';
  private pumping: Promise<void> | null = null;
  /** The edit we have sent and not yet seen come back as a change event, and our text after it. */
  private expected: { edit: TextEdit; shownAfter: string } | null = null;
  private _state: InsertionState = 'writing';
  private readonly listener: vscode.Disposable;
  private readonly eol: string;

  /**
   * @param onWriterEdit called once, when someone else changes the document: stop generating.
   */
  constructor(
    private readonly editor: vscode.TextEditor,
    offset: number,
    private readonly group: UndoGroup,
    private readonly onWriterEdit: () => void,
  ) {
    this.start = offset;
    this.eol = editor.document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    this.listener = vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e));
  }

  get state(): InsertionState {
    return this._state;
  }

  /** Document offset where the insertion starts now. */
  get offset(): number {
    return this.start;
  }

  /** The inserted text as it stands in the document (document line breaks). */
  get text(): string {
    return this.shown;
  }

  /** Shows `text` (with `\n` line breaks) as the insertion so far; edits are coalesced. */
  show(text: string): void {
    if (this._state !== 'writing') return;
    this.desired = this.toDocument(text);
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
  }

  /**
   * Makes the insertion exactly `text` and ends it; with `closeGroup`, pushes the undo stop
   * that ends the group. Does nothing to a document the writer has edited meanwhile.
   */
  async settle(text: string, closeGroup: boolean): Promise<InsertionState> {
    if (this._state === 'writing') this.desired = this.toDocument(text);
    while (this.pumping) await this.pumping;
    if (this._state === 'writing' && this.shown !== this.desired) await this.pump();
    if (this._state === 'writing') {
      if (closeGroup && this.group.started) await this.closeGroup();
      if (this._state === 'writing') this._state = 'settled';
    }
    this.dispose();
    return this._state;
  }

  private async pump(): Promise<void> {
    while (this._state === 'writing' && this.shown !== this.desired) {
      const target = this.desired;
      let same = 0;
      while (same < this.shown.length && same < target.length && this.shown[same] === target[same]) same++;
      await this.apply({ offset: this.start + same, deleted: this.shown.length - same, inserted: target.slice(same) }, target, false);
    }
  }

  /**
   * Ends the undo element with a stop. VS Code pushes stops only around an edit, so the last
   * edit is re-applied with the stop after it: the last line of the insertion replaced by
   * itself, which changes no text.
   */
  private async closeGroup(): Promise<void> {
    const lastBreak = this.shown.lastIndexOf('\n') + 1;
    await this.apply({ offset: this.start + lastBreak, deleted: this.shown.length - lastBreak, inserted: this.shown.slice(lastBreak) }, this.shown, true);
  }

  private async apply(edit: TextEdit, shownAfter: string, stopAfter: boolean): Promise<void> {
    const document = this.editor.document;
    const range = new vscode.Range(document.positionAt(edit.offset), document.positionAt(edit.offset + edit.deleted));
    const first = !this.group.started;
    this.group.started = true;
    this.expected = { edit, shownAfter };
    let applied = false;
    try {
      applied = await this.editor.edit((b) => b.replace(range, edit.inserted), { undoStopBefore: first, undoStopAfter: stopAfter });
    } catch {
      // The editor was closed or replaced: what is written stays.
      applied = false;
    }
    // An edit that changes no text may raise no change event.
    if (applied && this.expected) this.shown = shownAfter;
    this.expected = null;
    if (!applied && this._state === 'writing') this._state = 'failed';
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (e.document !== this.editor.document || e.contentChanges.length === 0) return;
    const changes = [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset);
    const expected = this.expected;
    if (expected && changes.length === 1 && matches(changes[0]!, expected.edit)) {
      this.shown = expected.shownAfter;
      this.expected = null;
      return;
    }
    // Someone else's edit: follow where our text went, and stop writing.
    let start: number | null = this.start;
    for (const c of changes) {
      if (start === null) break;
      start = shiftRange(start, this.shown.length, { offset: c.rangeOffset, deleted: c.rangeLength, inserted: c.text });
    }
    if (start === null) this.shown = '';
    else this.start = start;
    if (this._state === 'writing') {
      this._state = 'interrupted';
      this.onWriterEdit();
    }
  }

  private toDocument(text: string): string {
    return this.eol === '\n' ? text : text.replace(/\r?\n/g, this.eol);
  }

  dispose(): void {
    this.listener.dispose();
  }
}

function matches(change: vscode.TextDocumentContentChangeEvent, edit: TextEdit): boolean {
  return change.rangeOffset === edit.offset && change.rangeLength === edit.deleted && change.text === edit.inserted;
}
