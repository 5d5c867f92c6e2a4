/**
 * "Regenerate": replaces the last text Inkling inserted in this document with a fresh sample
 * from the same starting point (the same prompt), as one undo step — only while that text is
 * still exactly as inserted.
 */
import * as vscode from 'vscode';
import { randomInt } from 'node:crypto';
import { sampleOne, samplingForAlternatives, type Alternative } from '../../client/alternativeSampler';
import { SEED_MAX } from '../../writing/settings/samplingSettings';
import { samplingSettings } from '../service/settings';
import { commandCaller } from './streamedWriting';
import { recordInsertion, toDocumentEol, whileWriting, type WritingContext } from './writingContext';

/** Seeds to try before concluding the model only writes one thing here. */
const ATTEMPTS = 3;

export interface RegenerateResult {
  outcome: 'replaced' | 'refused' | 'cancelled' | 'same' | 'busy' | 'failed';
  reason?: string;
  /** The new text, its seed and document offset. */
  text?: string;
  seed?: number;
  offset?: number;
}

export async function regenerate(ctx: WritingContext, editor: vscode.TextEditor): Promise<RegenerateResult> {
  const document = editor.document;
  const key = document.uri.toString();
  const check = ctx.tracker.check(key, document.getText());
  if (!check.ok) {
    void vscode.window.showInformationMessage(check.message);
    return { outcome: 'refused', reason: check.reason };
  }
  const { detail } = check.insertion;
  const sampling = samplingForAlternatives(samplingSettings(document).settings);

  const run = await whileWriting(ctx, document, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Inkling is writing it again…'), cancellable: true }, async (_p, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      let fresh: Alternative | null = null;
      try {
        const tried = new Set([detail.seed]);
        for (let i = 0; i < ATTEMPTS && !abort.signal.aborted; i++) {
          let seed = randomInt(0, SEED_MAX);
          while (tried.has(seed)) seed = randomInt(0, SEED_MAX);
          tried.add(seed);
          const sample = await sampleOne(ctx.engine, detail.request, sampling, seed, commandCaller(document), abort.signal, ctx.wordChoices?.probabilitiesFor(document));
          if (sample && sample.text && toDocumentEol(document, sample.text) !== check.insertion.text) {
            fresh = sample;
            break;
          }
        }
      } catch (e) {
        ctx.engine.reportError(e);
        return { outcome: 'failed' } as RegenerateResult;
      } finally {
        cancel.dispose();
      }
      if (abort.signal.aborted) return { outcome: 'cancelled' } as RegenerateResult;
      if (!fresh) {
        void vscode.window.showInformationMessage(vscode.l10n.t('The model wrote the same text again (or nothing) with three fresh seeds. Try raising inkling.sampling.temperature.'));
        return { outcome: 'same' } as RegenerateResult;
      }
      return replace(ctx, editor, fresh, detail.command === 'continue' || detail.command === 'regenerate' || detail.command === 'alternative');
    }),
  );
  return run === 'busy' ? { outcome: 'busy' } : run;
}

async function replace(ctx: WritingContext, editor: vscode.TextEditor, fresh: Alternative, moveCursor: boolean): Promise<RegenerateResult> {
  const document = editor.document;
  // The writer may have edited while the model wrote: check again right before replacing.
  const check = ctx.tracker.check(document.uri.toString(), document.getText());
  if (!check.ok) {
    void vscode.window.showInformationMessage(check.message);
    return { outcome: 'refused', reason: check.reason };
  }
  const old = check.insertion;
  const text = toDocumentEol(document, fresh.text);
  const range = new vscode.Range(document.positionAt(old.start), document.positionAt(old.start + old.text.length));
  const cursorAtEnd = editor.selection.isEmpty && editor.selection.active.isEqual(range.end);
  const applied = await editor.edit((b) => b.replace(range, text), { undoStopBefore: true, undoStopAfter: true });
  if (!applied) return { outcome: 'failed', reason: 'the editor refused the edit' };
  if (moveCursor && cursorAtEnd) {
    const end = document.positionAt(old.start + text.length);
    editor.selection = new vscode.Selection(end, end);
  }
  await recordInsertion(ctx, document, {
    command: 'regenerate',
    offset: old.start,
    text,
    request: old.detail.request,
    sampling: samplingForAlternatives(samplingSettings(document).settings),
    seed: fresh.seed,
    complete: true,
    regenerable: true,
    replaced: old.text,
    tokens: fresh.tokens,
  });
  return { outcome: 'replaced', text, seed: fresh.seed, offset: old.start };
}
