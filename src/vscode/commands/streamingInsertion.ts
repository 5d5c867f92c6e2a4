/**
 * Writes a growing text into the editor as it streams from the model, so that the whole
 * insertion is one undo step, and steps aside the moment the writer edits the document.
 */
import * as vscode from 'vscode';
import { shiftRange, type TextEdit } from '../../writing/history/insertionTracker';

/**
 * Edits that undo together. The first edit of the group pushes an undo stop before it, later
 * ones join the same undo element, and `close` pushes the stop after the last.
 */
export class UndoGroup {
  started = false;
}

/**
 * Why an insertion stopped changing: `interrupted` when the writer edited or reverted the
 * document meanwhile, `closed` when they closed it.
 */
export type InsertionState = 'writing' | 'settled' | 'interrupted' | 'closed' | 'failed';

/** How long writing holds after a dirty-state change it did not cause, waiting to hear of a save. */
const REVERT_HOLD_MS = 250;

export class StreamingInsertion implements vscode.Disposable {
  private start: number;
  /** Our text as it stands in the document now (document line breaks). */
  private shown = '';
  private desired = '';
  private pumping: Promise<void> | null = null;
  /** The edit we have sent and not yet seen come back as a change event, and our text after it. */
  private expected: { edit: TextEdit; shownAfter: string } | null = null;
  private _state: InsertionState = 'writing';
  private readonly listeners: vscode.Disposable[];
  private readonly eol: string;
  /**
   * VS Code reverts a document (Revert, or "Don't Save" when closing it) by marking it clean and
   * then reading the file; an edit of ours landing during the read makes it skip the read and
   * veto the close, so the writer's text comes back with ours in it. The extension hears of the
   * revert only as a dirty-state change, which a save also causes (and the save event comes
   * after it): on a dirty-state change we did not cause, writing holds for a moment, and stops
   * unless a save is heard meanwhile.
   */
  private dirtyChangesOwed: number;
  private hold: Promise<void> | null = null;
  private savedDuringHold = false;

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
    const document = editor.document;
    const uri = document.uri.toString();
    // Our first edit makes a clean document dirty: that one dirty-state change is ours.
    this.dirtyChangesOwed = document.isDirty ? 0 : 1;
    this.listeners = [
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.workspace.onDidCloseTextDocument((d) => d === document && this.stop('closed')),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d !== document) return;
        this.savedDuringHold = true;
        // The next edit of ours makes the saved document dirty again.
        this.dirtyChangesOwed = 1;
      }),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        const shows = (t: vscode.Tab) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === uri;
        // The writer closed the last tab showing the document: whatever VS Code does with it next,
        // nothing more may be written into it.
        if (e.closed.some(shows) && !vscode.window.tabGroups.all.some((g) => g.tabs.some(shows))) this.stop('closed');
      }),
    ];
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
    while (this.pumping || this.hold) await (this.pumping ?? this.hold);
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

  /** Ends the insertion from outside (closed, reverted): no edit is sent after this. */
  private stop(state: 'interrupted' | 'closed'): void {
    if (this._state !== 'writing') return;
    this._state = state;
    this.onWriterEdit();
  }

  /** A dirty-state change we did not cause: a save, or a revert (see `hold`). */
  private onDirtyChange(): void {
    if (this.dirtyChangesOwed > 0) {
      this.dirtyChangesOwed--;
      return;
    }
    if (this._state !== 'writing' || this.hold) return;
    this.savedDuringHold = false;
    this.hold = new Promise((resolve) =>
      setTimeout(() => {
        if (this.savedDuringHold) {
          this.hold = null;
          resolve();
          return;
        }
        this.stop('interrupted');
        // An edit of ours that was already on its way when VS Code reverted makes it skip reading
        // the file, so the document keeps our text and the writer's revert is lost: finish it.
        void this.finishRevert().finally(() => {
          this.hold = null;
          resolve();
        });
      }, REVERT_HOLD_MS),
    );
  }

  /** Reverts the document the writer reverted, if an edit of ours kept it dirty. */
  private async finishRevert(): Promise<void> {
    const document = this.editor.document;
    if (document.isClosed || !document.isDirty) return;
    this.revertRepaired = true;
    await vscode.commands.executeCommand('workbench.action.files.revert', document.uri).then(undefined, () => undefined);
  }

  /** Whether an edit of ours got in the way of the writer's revert, and was reverted after it. */
  revertRepaired = false;

  private async apply(edit: TextEdit, shownAfter: string, stopAfter: boolean): Promise<void> {
    while (this.hold) await this.hold;
    const document = this.editor.document;
    if (document.isClosed) this.stop('closed');
    if (this._state !== 'writing') return;
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
    if (e.document !== this.editor.document) return;
    // A change event without changes reports a change of the dirty state.
    if (e.contentChanges.length === 0) {
      this.onDirtyChange();
      return;
    }
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
    this.listeners.forEach((l) => l.dispose());
  }
}

function matches(change: vscode.TextDocumentContentChangeEvent, edit: TextEdit): boolean {
  return change.rangeOffset === edit.offset && change.rangeLength === edit.deleted && change.text === edit.inserted;
}
