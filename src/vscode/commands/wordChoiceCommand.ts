/**
 * "Choose Another Word": takes one of the model's other choices at a word of unedited Inkling
 * text (from the hover's links, or a picker at the cursor) and rewrites the rest of that
 * insertion from it — a fresh continuation from the chosen word, as Continue would write from
 * there with the insertion's seed, its kind and form, and the lines it still owed — as one undo
 * step.
 */
import * as vscode from 'vscode';
import { sampleOne } from '../../client/alternativeSampler';
import type { TokenChoice } from '../../common/generation';
import type { ContinuationRequestReady } from '../../writing/prompts/commands/continuationRequest';
import { windowAround, READ_AFTER_CHARS } from '../../writing/prompts/text/textWindow';
import { alignTokens, choiceLabel, choiceLabelAt, continuationAfterChoice, offeredAlternatives, percent, planWordChoice, spansInCrlf, type ChoiceInsertion, type ChoiceUnit, type TokenSpan } from '../../writing/history/wordChoices';
import { offeredOf } from '../history/branchHistory';
import { samplingSettings, wordChoiceSettings } from '../service/settings';
import { commandCaller } from './streamedWriting';
import type { ChoiceDetail, ChooseWordArgs, WordChoices } from '../history/wordChoices';
import { toDocumentEol, whileWriting, type WritingContext } from './writingContext';

export interface ChooseWordResult {
  outcome: 'replaced' | 'refused' | 'dismissed' | 'cancelled' | 'busy' | 'failed';
  reason?: string;
  /** Where the insertion starts, and all of it as it stands now. */
  offset?: number;
  text?: string;
  /** Document offset where the rewritten part (the chosen word and what follows) starts. */
  from?: number;
  /** The rewritten part: the chosen word and the fresh continuation. */
  written?: string;
  seed?: number;
}

type Context = WritingContext & { wordChoices: WordChoices };

/** Runs the command: with a hover's arguments, or at the cursor with a picker. */
export async function chooseWord(ctx: Context, args?: ChooseWordArgs): Promise<ChooseWordResult> {
  if (args && typeof args === 'object' && typeof args.uri === 'string') return chooseFromLink(ctx, args);
  const editor = vscode.window.activeTextEditor;
  if (!editor) return refuse('no-editor', vscode.l10n.t('Open a text Inkling wrote in first.'));
  const document = editor.document;
  if (!wordChoiceSettings(document).enabled) {
    return refuse('off', vscode.l10n.t('Word alternatives are off: turn on inkling.alternatives.wordChoices, and the words Inkling writes from then on keep theirs.'));
  }
  const key = document.uri.toString();
  const offset = document.offsetAt(editor.selection.active);
  const found = ctx.wordChoices.store.at(key, offset) ?? ctx.wordChoices.store.at(key, offset - 1);
  if (!found || !ctx.wordChoices.isIntact(document, found.insertion)) {
    return refuse('none', vscode.l10n.t('No word at the cursor has alternatives: put the cursor on a word of text Inkling wrote (and you have not edited since).'));
  }
  const token = found.insertion.spans[found.unit.span]!.token;
  const word = found.insertion.text.slice(found.unit.start, found.unit.end);
  const before = found.insertion.text.slice(0, found.insertion.spans[found.unit.span]!.start);
  const items = offeredAlternatives(token).map((a) => ({ label: choiceLabelAt(a.text, before), description: percent(a.probability), choice: a }));
  if (!items.length) return refuse('no-alternatives', vscode.l10n.t('The model saw no other choice than “{0}” here.', word));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Inkling: instead of “{0}” ({1})', word, percent(token.probability)),
    placeHolder: vscode.l10n.t('Choose a word; the rest of the passage is rewritten from it'),
  });
  if (!picked) return { outcome: 'dismissed' };
  return rewrite(ctx, editor, found.insertion, found.unit, picked.choice);
}

async function chooseFromLink(ctx: Context, args: ChooseWordArgs): Promise<ChooseWordResult> {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === args.uri);
  if (!document) return refuse('closed', vscode.l10n.t('That document is closed.'));
  const insertion = ctx.wordChoices.store.get(args.uri, args.insertion);
  if (!insertion || !ctx.wordChoices.isIntact(document, insertion)) {
    return refuse('edited', vscode.l10n.t('That text has been edited since Inkling wrote it, so its word alternatives are gone.'));
  }
  const unit = insertion.units.find((u) => u.start === args.at);
  const token = unit && insertion.spans[unit.span]!.token;
  const choice = token?.alternatives.find((a) => a.text === args.text);
  if (!unit || !choice) return refuse('unknown', vscode.l10n.t('That alternative is no longer offered there.'));
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document) ?? (await vscode.window.showTextDocument(document));
  return rewrite(ctx, editor, insertion, unit, choice);
}

async function rewrite(ctx: Context, editor: vscode.TextEditor, insertion: ChoiceInsertion<ChoiceDetail>, unit: ChoiceUnit, choice: TokenChoice): Promise<ChooseWordResult> {
  const document = editor.document;
  const detail = insertion.detail;
  const charBefore = document.getText(new vscode.Range(document.positionAt(Math.max(0, insertion.start - 1)), document.positionAt(insertion.start)));
  const plan = planWordChoice(insertion.text, insertion.spans, unit, choice, charBefore, detail);
  const chosen = toDocumentEol(document, plan.chosen);
  const from = insertion.start + plan.keep.length;
  const to = insertion.start + insertion.text.length;
  const request = requestFrom(document, from, to, plan.chosen, plan.lines, detail);
  if (!request.ok) return refuse(request.reason, request.message);
  const sampling = samplingSettings(document).settings;

  const run = await whileWriting(ctx, document, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Inkling is rewriting from “{0}”…', choiceLabel(choice.text)), cancellable: true }, async (_p, cancel) => {
      const abort = new AbortController();
      const sub = cancel.onCancellationRequested(() => abort.abort());
      try {
        return await sampleOne(ctx.engine, request.request, sampling, detail.seed, commandCaller(document), abort.signal, ctx.wordChoices.probabilitiesFor(document));
      } catch (e) {
        ctx.engine.reportError(e);
        return 'failed' as const;
      } finally {
        sub.dispose();
      }
    }),
  );
  if (run === 'busy') return { outcome: 'busy' };
  if (run === 'failed') return { outcome: 'failed' };
  if (!run) return { outcome: 'cancelled' };

  // The writer may have edited while the model wrote: check again right before replacing.
  if (ctx.wordChoices.store.get(document.uri.toString(), insertion.id) !== insertion || !ctx.wordChoices.isIntact(document, insertion)) {
    return refuse('edited', vscode.l10n.t('The text was edited while Inkling was writing, so it was left as it is.'));
  }
  const continuation = toDocumentEol(document, run.text);
  const written = chosen + continuation;
  const range = new vscode.Range(document.positionAt(from), document.positionAt(to));
  const cursorInside = editor.selection.isEmpty && range.contains(editor.selection.active);
  const applied = await editor.edit((b) => b.replace(range, written), { undoStopBefore: true, undoStopAfter: true });
  if (!applied) return { outcome: 'failed', reason: 'the editor refused the edit' };
  if (cursorInside) {
    const end = document.positionAt(from + written.length);
    editor.selection = new vscode.Selection(end, end);
  }

  const text = plan.keep + written;
  const lf = run.text.replace(/\r\n/g, '\n');
  const fresh = run.tokens ? alignTokens(run.tokens, lf) : [];
  const spans: TokenSpan[] = [
    ...insertion.spans.filter((s) => s.end <= plan.keep.length),
    { start: plan.keep.length, end: plan.keep.length + chosen.length, token: { ...choice, alternatives: insertion.spans[unit.span]!.token.alternatives } },
    ...(continuation === lf ? fresh : spansInCrlf(fresh, lf)).map((s) => ({ ...s, start: s.start + plan.keep.length + chosen.length, end: s.end + plan.keep.length + chosen.length })),
  ];
  const key = document.uri.toString();
  if (detail.request) ctx.tracker.record(key, insertion.start, text, { command: detail.command, request: detail.request, seed: detail.seed });
  ctx.wordChoices.store.record(key, insertion.start, text, spans, { ...detail });
  if (detail.request) await ctx.branches?.offer(document, insertion.start, [offeredOf({ text, seed: detail.seed, command: 'wordChoice', request: detail.request, sampling }, ctx.engine.modelName ?? 'unknown')], 0);
  ctx.wordChoices.refresh();
  await ctx.provenance.record(document, {
    command: 'wordChoice',
    offset: from,
    text: written,
    model: ctx.engine.modelName ?? 'unknown',
    seed: detail.seed,
    complete: true,
    settings: { sampling, maxNewTokens: request.request.maxNewTokens, stopStrings: request.request.stopStrings, lines: request.request.lines, kind: request.request.kind, ...(request.request.formConstraint ? { form: request.request.formConstraint } : {}) },
    replaced: plan.replaced,
  });
  return { outcome: 'replaced', offset: insertion.start, text, from, written, seed: detail.seed };
}

/** The request a fresh Continue makes right after the chosen word, the rest of the insertion left out. */
function requestFrom(document: vscode.TextDocument, from: number, to: number, chosen: string, lines: number, detail: ChoiceDetail): { ok: true; request: ContinuationRequestReady } | { ok: false; reason: string; message: string } {
  const lf = (t: string) => (document.eol === vscode.EndOfLine.CRLF ? t.replace(/\r\n/g, '\n') : t);
  const last = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
  const window = windowAround(from, last, (o) => document.offsetAt(new vscode.Position(document.positionAt(o).line, 0)));
  const before = lf(document.getText(new vscode.Range(document.positionAt(window.start), document.positionAt(from))));
  const after = lf(document.getText(new vscode.Range(document.positionAt(to), document.positionAt(Math.min(last, to + READ_AFTER_CHARS)))));
  const built = continuationAfterChoice({ before, chosen, after, atDocumentStart: window.atDocumentStart, lines, kind: detail.kind, formConstraint: detail.formConstraint });
  return built.ok ? { ok: true, request: built } : { ok: false, reason: built.reason, message: built.message };
}

function refuse(reason: string, message: string): ChooseWordResult {
  void vscode.window.showInformationMessage(message);
  return { outcome: 'refused', reason };
}
