/** What the writing commands share: the engine, the last insertion per document, the provenance log. */
import * as vscode from 'vscode';
import { buildContinuationRequest, type ContinuationRequest, type WritingRequest } from '../../writing/prompts/commands/continuationRequest';
import { formKind, withForm } from '../../writing/verse/lines/formRequest';
import type { GeneratedToken } from '../../common/generation';
import type { InsertionTracker } from '../../writing/history/insertionTracker';
import type { WritingCommand } from '../../writing/history/provenanceRecord';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import type { EngineService } from '../service/engineService';
import type { ProvenanceLog } from '../history/provenanceLog';
import type { BranchHistories } from '../history/branchHistory';
import { commandSettings, formSettings } from '../service/settings';
import { windowAround } from '../../writing/prompts/text/textWindow';

/** What Regenerate needs to write an insertion again. */
export interface InsertionDetail {
  command: WritingCommand;
  request: WritingRequest;
  seed: number;
}

export interface WritingContext {
  engine: EngineService;
  tracker: InsertionTracker<InsertionDetail>;
  provenance: ProvenanceLog;
  /** Documents a command is writing in now. */
  busy: Set<string>;
  /** Word alternatives of the insertions (absent: not kept). */
  wordChoices?: WordChoiceKeeper;
  /** The branch history of each document (absent: not kept). */
  branches?: BranchHistories;
}

/** Keeps the word alternatives of an insertion (vscode/history/wordChoices.ts). */
export interface WordChoiceKeeper {
  /** Alternatives per token to ask the engine for with a request in this document; 0 when word choices are off. */
  probabilitiesFor(document: vscode.TextDocument): number;
  /** Keeps an insertion's tokens, or asks the engine for them again (same request and seed) when it has none. */
  keep(document: vscode.TextDocument, r: InsertionRecord): void;
}

export interface InsertionRecord {
  command: WritingCommand;
  /** Document offset of the inserted text. */
  offset: number;
  /** The text as it stands in the document. */
  text: string;
  request: WritingRequest;
  sampling: SamplingSettings;
  seed: number;
  complete: boolean;
  /** Keep it for Regenerate (not when the writer interrupted it). */
  regenerable: boolean;
  replaced?: string;
  /** The model's tokens with their probabilities and alternatives, when they were asked for. */
  tokens?: GeneratedToken[];
  /** A streamed insertion: the document's version before its first edit (see StreamedWriting.startVersion). */
  sinceVersion?: number;
}

/** Remembers an insertion for Regenerate and writes it to the provenance log (when that is on). */
export async function recordInsertion(ctx: WritingContext, document: vscode.TextDocument, r: InsertionRecord): Promise<void> {
  if (!r.text) return;
  if (r.regenerable) ctx.tracker.record(document.uri.toString(), r.offset, r.text, { command: r.command, request: r.request, seed: r.seed });
  if (r.regenerable) ctx.wordChoices?.keep(document, r);
  if (r.regenerable) await ctx.branches?.inserted(document, r, ctx.engine.modelName ?? 'unknown');
  await ctx.provenance.record(document, {
    command: r.command,
    offset: r.offset,
    text: r.text,
    model: ctx.engine.modelName ?? 'unknown',
    seed: r.seed,
    complete: r.complete,
    settings: { sampling: r.sampling, maxNewTokens: r.request.maxNewTokens, stopStrings: r.request.stopStrings, lines: r.request.lines, kind: r.request.kind, ...(r.request.formConstraint ? { form: r.request.formConstraint } : {}) },
    replaced: r.replaced,
  }, r.sinceVersion);
}

/**
 * The window of a document around a position that a request reads (writing/prompts/text/textWindow.ts), with
 * `\n` line breaks, and the position's offset in it: a command on a manuscript of megabytes reads
 * what a sonnet costs.
 */
export function readLfWindow(document: vscode.TextDocument, at: vscode.Position): { text: string; offset: number; atDocumentStart: boolean } {
  const offset = document.offsetAt(at);
  const last = document.lineAt(document.lineCount - 1).range.end;
  const range = windowAround(offset, document.offsetAt(last), (o) => document.offsetAt(new vscode.Position(document.positionAt(o).line, 0)));
  const start = document.positionAt(range.start);
  const before = document.getText(new vscode.Range(start, at));
  const after = document.getText(new vscode.Range(at, document.positionAt(range.end)));
  const crlf = document.eol === vscode.EndOfLine.CRLF;
  const lf = (t: string) => (crlf ? t.replace(/\r\n/g, '\n') : t);
  return { text: lf(before) + lf(after), offset: lf(before).length, atDocumentStart: range.atDocumentStart };
}

/** The document's text with `\n` line breaks, as the pure request builders take it. */
export function lfText(document: vscode.TextDocument): string {
  const text = document.getText();
  return document.eol === vscode.EndOfLine.CRLF ? text.replace(/\r\n/g, '\n') : text;
}

/** The position of an offset in `lfText(document)`. */
export function positionOfLfOffset(text: string, offset: number): vscode.Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}

/** Text with `\n` line breaks in the document's own line breaks. */
export function toDocumentEol(document: vscode.TextDocument, text: string): string {
  return document.eol === vscode.EndOfLine.CRLF ? text.replace(/\r?\n/g, '\r\n') : text;
}

/** Runs a command's work with the document marked busy; a second command there is told to wait. */
export async function whileWriting<T>(ctx: WritingContext, document: vscode.TextDocument, work: () => PromiseLike<T>): Promise<T | 'busy'> {
  const key = document.uri.toString();
  if (ctx.busy.has(key)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Inkling is already writing in this document: wait for it, or cancel it from its notification.'));
    return 'busy';
  }
  ctx.busy.add(key);
  try {
    return await work();
  } finally {
    ctx.busy.delete(key);
  }
}

/**
 * The request Continue and Show Alternatives make at a position: the document read as the
 * writer's form settings say (verse or prose), for `inkling.continue.lines` lines, with the form
 * constraint those settings give the engine. A refusal is shown to the writer.
 */
export function continuationAt(document: vscode.TextDocument, at: vscode.Position): ContinuationRequest {
  const form = formSettings(document);
  const window = readLfWindow(document, at);
  const built = buildContinuationRequest({ text: window.text, offset: window.offset, atDocumentStart: window.atDocumentStart, lines: commandSettings(document).continueLines, kind: formKind(form) });
  if (!built.ok) {
    void vscode.window.showInformationMessage(built.message);
    return built;
  }
  return withForm(built, form, window.text.slice(0, window.offset));
}
