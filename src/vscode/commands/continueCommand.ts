/**
 * "Continue This Poem / Continue Writing": continues from the cursor (or the end of the
 * selection) — verse in the poem's form for the lines wanted, prose for a paragraph — streaming
 * into the editor behind a cancellable notification, as one undo step.
 */
import * as vscode from 'vscode';
import { samplingSettings } from '../service/settings';
import { recordStreamed, streamWriting, type WritingOutcome } from './streamedWriting';
import { UndoGroup } from './streamingInsertion';
import { continuationAt, whileWriting, type WritingContext } from './writingContext';

export interface ContinueResult {
  outcome: WritingOutcome | 'refused' | 'busy';
  /** Document offset and text of what was inserted. */
  offset?: number;
  text?: string;
  seed?: number;
  /** Why nothing was asked of the model. */
  reason?: string;
  /** See StreamedWriting.revertFinished. */
  revertFinished?: boolean;
}

export async function continueWriting(ctx: WritingContext, editor: vscode.TextEditor): Promise<ContinueResult> {
  const document = editor.document;
  const at = editor.selection.end;
  const request = continuationAt(document, at);
  if (!request.ok) return { outcome: 'refused', reason: request.reason };
  const { settings: sampling, problems } = samplingSettings(document);
  for (const p of problems) ctx.engine.reportOnce(vscode.l10n.t('Inkling setting: {0}', p.message));

  const run = await whileWriting(ctx, document, async () => {
    // Ghost text over a text being written would only confuse.
    await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    const offset = document.offsetAt(at);
    const written = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: request.kind === 'verse' ? (request.lines === 1 ? vscode.l10n.t('Inkling is writing 1 line…') : vscode.l10n.t('Inkling is writing {0} lines…', request.lines)) : vscode.l10n.t('Inkling is writing a paragraph…'), cancellable: true },
      (_progress, token) => streamWriting({ engine: ctx.engine, editor, offset, request, sampling, group: new UndoGroup(), closeGroup: true, token, probabilities: ctx.wordChoices?.probabilitiesFor(document) }),
    );
    if (written.text && written.outcome !== 'interrupted' && written.outcome !== 'closed') placeCursorAfter(editor, written.offset, written.text, at);
    await recordStreamed(ctx, document, 'continue', written, request, sampling);
    tellOutcome(written.outcome, written.text);
    return written;
  });
  if (run === 'busy') return { outcome: 'busy' };
  return { outcome: run.outcome, offset: run.offset, text: run.text, seed: run.seed, revertFinished: run.revertFinished };
}

/** Puts the cursor after the inserted text, unless the writer has moved it elsewhere meanwhile. */
export function placeCursorAfter(editor: vscode.TextEditor, offset: number, text: string, original: vscode.Position): void {
  const document = editor.document;
  const start = document.positionAt(offset);
  const end = document.positionAt(offset + text.length);
  const s = editor.selection;
  const inside = new vscode.Range(start, end);
  if (s.isEmpty ? inside.contains(s.active) || s.active.isEqual(original) : s.end.isEqual(original) || inside.contains(s)) {
    editor.selection = new vscode.Selection(end, end);
    editor.revealRange(new vscode.Range(end, end));
  }
}

/** Says what happened when it is not what the writer asked for. */
export function tellOutcome(outcome: WritingOutcome, text: string): void {
  if (outcome === 'interrupted') {
    void vscode.window.showInformationMessage(vscode.l10n.t('Inkling stopped because the document was edited while it was writing; what it had written stays.'));
  } else if (outcome === 'complete' && !text) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The model wrote nothing worth keeping here. Try again, or raise inkling.sampling.temperature.'));
  }
}
