/**
 * "Show Alternatives": N distinct continuations at the cursor, one seed each, near-duplicates
 * dropped, in a Quick Pick (first line as label, the whole text as detail); choosing one inserts
 * it as one undo step, "More alternatives" asks for another N.
 */
import * as vscode from 'vscode';
import { moreAlternatives, samplingForAlternatives, type Alternative } from '../../client/alternativeSampler';
import type { ContinuationRequestReady } from '../../writing/prompts/commands/continuationRequest';
import { describeAlternative } from '../../writing/prompts/commands/alternativeLabel';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import { offeredOf } from '../history/branchHistory';
import { placeCursorAfter } from './continueCommand';
import { commandSettings, samplingSettings } from '../service/settings';
import { commandCaller } from './streamedWriting';
import { continuationAt, recordInsertion, toDocumentEol, whileWriting, type WritingContext } from './writingContext';

interface AlternativeItem extends vscode.QuickPickItem {
  alternative?: Alternative;
  more?: true;
}

export interface AlternativesResult {
  outcome: 'inserted' | 'dismissed' | 'refused' | 'busy' | 'changed' | 'empty';
  /** What the picker offered, in order. */
  offered: Alternative[];
  chosen?: Alternative;
  /** Document offset of the insertion. */
  offset?: number;
  reason?: string;
}

export async function showAlternatives(ctx: WritingContext, editor: vscode.TextEditor): Promise<AlternativesResult> {
  const document = editor.document;
  const at = editor.selection.end;
  const settings = commandSettings(document);
  const request = continuationAt(document, at);
  if (!request.ok) return { outcome: 'refused', offered: [], reason: request.reason };
  const sampling = samplingForAlternatives(samplingSettings(document).settings);
  const run = await whileWriting(ctx, document, () => pick(ctx, editor, request, sampling, settings.alternativesCount, at));
  return run === 'busy' ? { outcome: 'busy', offered: [] } : run;
}

async function pick(ctx: WritingContext, editor: vscode.TextEditor, request: ContinuationRequestReady, sampling: SamplingSettings, count: number, at: vscode.Position): Promise<AlternativesResult> {
  const document = editor.document;
  const version = document.version;
  const offered: Alternative[] = [];
  const picker = vscode.window.createQuickPick<AlternativeItem>();
  picker.title = request.kind === 'verse' ? (request.lines === 1 ? vscode.l10n.t('Inkling: alternatives (1 line)') : vscode.l10n.t('Inkling: alternatives ({0} lines)', request.lines)) : vscode.l10n.t('Inkling: alternatives (a paragraph)');
  picker.placeholder = vscode.l10n.t('Writing alternatives…');
  picker.matchOnDetail = true;
  picker.ignoreFocusOut = true;
  const abort = new AbortController();
  // With a fixed seed the alternatives are repeatable: seed, seed + 1, … across "More" too.
  let nextSeed = sampling.seed;

  const more = async () => {
    picker.busy = true;
    picker.enabled = false;
    const before = offered.length;
    const found = await moreAlternatives(ctx.engine, request, sampling, offered, { count, seed: nextSeed, caller: commandCaller(document), signal: abort.signal });
    if (found.error !== undefined) ctx.engine.reportError(found.error);
    nextSeed = found.nextSeed;
    offered.push(...found.added);
    if (abort.signal.aborted) return;
    const items: AlternativeItem[] = offered.map((alternative) => ({ ...describeAlternative(alternative.text), description: vscode.l10n.t('seed {0}', alternative.seed), alternative }));
    items.push({ label: `$(add) ${vscode.l10n.t('More alternatives')}`, description: vscode.l10n.t('write {0} more', count), alwaysShow: true, more: true });
    picker.items = items;
    if (offered.length > before) picker.activeItems = [items[before]!];
    picker.placeholder = offered.length ? vscode.l10n.t('Choose a continuation to insert (Escape to insert nothing)') : vscode.l10n.t('The model wrote nothing worth keeping here — try More');
    picker.busy = false;
    picker.enabled = true;
  };

  const chosen = await new Promise<Alternative | undefined>((resolve) => {
    picker.onDidAccept(() => {
      const item = picker.selectedItems[0] ?? picker.activeItems[0];
      if (item?.more) void more();
      else if (item?.alternative) {
        resolve(item.alternative);
        picker.hide();
      }
    });
    picker.onDidHide(() => {
      abort.abort();
      resolve(undefined);
    });
    picker.show();
    void more();
  });
  picker.dispose();

  if (!chosen) {
    // Nothing inserted: the alternatives still become branches of the place, to insert later.
    if (offered.length && document.version === version) await ctx.branches?.offer(document, document.offsetAt(at), offered.map((a) => offeredOf({ ...a, command: 'alternative', request, sampling }, ctx.engine.modelName ?? 'unknown')), null);
    return { outcome: offered.length ? 'dismissed' : 'empty', offered };
  }
  if (document.version !== version) {
    void vscode.window.showWarningMessage(vscode.l10n.t('The document changed while you were choosing, so the alternative was not inserted. Run Show Alternatives again.'));
    return { outcome: 'changed', offered, chosen };
  }
  const offset = document.offsetAt(at);
  const text = toDocumentEol(document, chosen.text);
  const applied = await editor.edit((b) => b.insert(at, text), { undoStopBefore: true, undoStopAfter: true });
  if (!applied) return { outcome: 'changed', offered, chosen };
  placeCursorAfter(editor, offset, text, at);
  await recordInsertion(ctx, document, { command: 'alternative', offset, text, request, sampling, seed: chosen.seed, complete: true, regenerable: true });
  // The ones not taken are branches of the same place.
  await ctx.branches?.offer(document, offset, offered.map((a) => offeredOf({ ...a, command: 'alternative', request, sampling }, ctx.engine.modelName ?? 'unknown')), offered.indexOf(chosen));
  return { outcome: 'inserted', offered, chosen, offset };
}
