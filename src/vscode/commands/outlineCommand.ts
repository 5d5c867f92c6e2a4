/**
 * "Expand Outline": on a Markdown list of plot points (or headings), writes a prose passage
 * under each point, in order, each conditioned on the outline and the prose before it;
 * streamed, cancellable, and one undo step for the whole expansion.
 */
import * as vscode from 'vscode';
import { buildPassageRequest, lineEndOffset, planOutlineExpansion } from '../../writing/prompts/outline/outlineExpansion';
import { samplingSettings } from '../service/settings';
import { recordStreamed, streamWriting, type WritingOutcome } from './streamedWriting';
import { UndoGroup } from './streamingInsertion';
import { lfText, positionOfLfOffset, whileWriting, type WritingContext } from './writingContext';

export interface OutlineResult {
  outcome: WritingOutcome | 'refused' | 'busy';
  /** One entry per point written (or started), in order. */
  passages: { point: string; offset: number; text: string; seed: number }[];
  reason?: string;
}

export async function expandOutline(ctx: WritingContext, editor: vscode.TextEditor): Promise<OutlineResult> {
  const document = editor.document;
  const selection = editor.selection;
  const lines = selection.isEmpty ? undefined : { start: selection.start.line, end: selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line };
  const plan = planOutlineExpansion(lfText(document), lines);
  if (plan.slots.length === 0) {
    const message = lines
      ? vscode.l10n.t('The selection holds no outline points: select Markdown list items or headings to write under.')
      : vscode.l10n.t('No outline here: Expand Outline writes a passage under each item of a Markdown list (or under each heading).');
    void vscode.window.showInformationMessage(message);
    return { outcome: 'refused', passages: [], reason: 'no-outline' };
  }
  const { settings: sampling, problems } = samplingSettings(document);
  for (const p of problems) ctx.engine.reportOnce(vscode.l10n.t('Inkling setting: {0}', p.message));
  const points = plan.slots.map((s) => s.point);

  const run = await whileWriting(ctx, document, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Inkling is expanding the outline'), cancellable: true }, async (progress, token) => {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
      const group = new UndoGroup();
      const passages: OutlineResult['passages'] = [];
      let outcome: WritingOutcome = 'complete';
      for (let i = 0; i < points.length; i++) {
        // The plan of the text as it is now: earlier passages moved the later points down.
        const text = lfText(document);
        const current = planOutlineExpansion(text);
        const slotIndex = current.slots.findIndex((s) => s.point === points[i]);
        if (slotIndex < 0) break;
        const request = buildPassageRequest(text, current, slotIndex);
        progress.report({ message: vscode.l10n.t('{0} of {1}: {2}', i + 1, points.length, request.slot.title), increment: i === 0 ? 0 : 100 / points.length });
        const offset = document.offsetAt(positionOfLfOffset(text, lineEndOffset(text, request.slot.afterLine)));
        const last = i === points.length - 1;
        const written = await streamWriting({ engine: ctx.engine, editor, offset, request, sampling, group, closeGroup: last, token, probabilities: ctx.wordChoices?.probabilitiesFor(document) });
        passages.push({ point: request.slot.title, offset: written.offset, text: written.text, seed: written.seed });
        await recordStreamed(ctx, document, 'expandOutline', written, request, sampling);
        outcome = written.outcome;
        if (outcome !== 'complete') break;
      }
      if (outcome === 'interrupted') void vscode.window.showInformationMessage(vscode.l10n.t('Inkling stopped because the document was edited while it was writing; the passages written so far stay.'));
      const empty = passages.filter((p) => !p.text).map((p) => p.point);
      if (outcome === 'complete' && empty.length) void vscode.window.showInformationMessage(vscode.l10n.t('The model wrote nothing worth keeping under: {0}.', empty.join('; ')));
      return { outcome, passages };
    }),
  );
  return run === 'busy' ? { outcome: 'busy', passages: [] } : run;
}
