/**
 * One streamed insertion: asks the engine for a writing request's text, shows it in the editor
 * as it comes, stops early once the request has all it keeps, and settles on exactly what the
 * request's `finish` makes of the model's final text.
 */
import * as vscode from 'vscode';
import type { GenerationResult } from '../../common/generation';
import { commandParams, endedByModel } from '../../writing/prompts/commands/commandParams';
import type { WritingRequest } from '../../writing/prompts/commands/continuationRequest';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import type { EngineService } from '../service/engineService';
import { StreamingInsertion, type UndoGroup } from './streamingInsertion';
import { recordInsertion, type WritingContext } from './writingContext';
import type { WritingCommand } from '../../writing/history/provenanceRecord';

/** How a streamed insertion ended. */
export type WritingOutcome = 'complete' | 'cancelled' | 'interrupted' | 'closed' | 'failed';

export interface StreamedWriting {
  outcome: WritingOutcome;
  /** Document offset of the inserted text. */
  offset: number;
  /** The inserted text as it stands in the document ('' when nothing was kept). */
  text: string;
  seed: number;
  result?: GenerationResult;
  /** An edit of ours got in the way of the writer reverting (or closing) the document, and Inkling finished the revert. */
  revertFinished?: boolean;
  /** The document's version before the first streamed edit: the versions after it up to the record are Inkling's own edits. */
  startVersion?: number;
}

/** The caller id for a document's command requests: a newer command in it supersedes the older. */
export function commandCaller(document: vscode.TextDocument): string {
  return `command:${document.uri.toString()}`;
}

export interface StreamOptions {
  engine: EngineService;
  editor: vscode.TextEditor;
  /** Document offset where the text goes. */
  offset: number;
  request: WritingRequest;
  sampling: SamplingSettings;
  seed?: number | null;
  group: UndoGroup;
  /** Close the undo group after this insertion (the last of a command); cancelling closes it too. */
  closeGroup: boolean;
  token: vscode.CancellationToken;
  /** Ask for each token's probability and this many alternatives (word choices); 0 or absent: none. */
  probabilities?: number;
}

/**
 * Streams a request's text into the editor. The writer cancelling keeps the whole lines (or
 * sentences) written so far; the writer editing the document stops it and keeps what is
 * there untouched; an engine error keeps whole lines too and is reported.
 */
export async function streamWriting(o: StreamOptions): Promise<StreamedWriting> {
  const abort = new AbortController();
  let stoppedBy: 'writer' | 'cancel' | 'complete' | null = null;
  const stop = (why: 'writer' | 'cancel' | 'complete') => {
    stoppedBy ??= why;
    abort.abort();
  };
  const startVersion = o.editor.document.version;
  const insertion = new StreamingInsertion(o.editor, o.offset, o.group, () => stop('writer'));
  const cancel = o.token.onCancellationRequested(() => stop('cancel'));
  if (o.token.isCancellationRequested) stop('cancel');
  let raw = '';
  let result: GenerationResult | undefined;
  try {
    const params = commandParams(o.request, o.sampling, commandCaller(o.editor.document), { seed: o.seed });
    result = await o.engine.generate(o.probabilities ? { ...params, probabilities: o.probabilities } : params, {
      signal: abort.signal,
      onToken: (text) => {
        raw += text;
        if (stoppedBy) return;
        insertion.show(o.request.finish(raw, true));
        if (o.request.isComplete(raw)) stop('complete');
      },
    });
  } catch (e) {
    o.engine.reportError(e);
  } finally {
    cancel.dispose();
  }

  const finalText = result && result.stopReason !== 'cancelled' ? result.text : (result?.text || raw);
  const finished = endedByModel(result?.stopReason);
  // A command's last insertion closes its undo group; so does one that ends the command early.
  const last = o.closeGroup || !result || stoppedBy === 'cancel' || (result.stopReason === 'cancelled' && stoppedBy !== 'complete');
  const state = await insertion.settle(o.request.finish(finalText, finished), last);
  const outcome: WritingOutcome =
    state === 'interrupted' || state === 'closed' ? state : state === 'failed' || !result ? 'failed' : stoppedBy === 'cancel' || (result.stopReason === 'cancelled' && stoppedBy !== 'complete') ? 'cancelled' : 'complete';
  return { outcome, offset: insertion.offset, text: insertion.text, seed: result?.stats.seed ?? 0, result, revertFinished: insertion.revertRepaired, startVersion };
}

/** Records a streamed insertion for Regenerate and the provenance log (an interrupted one is not regenerable). */
export function recordStreamed(ctx: WritingContext, document: vscode.TextDocument, command: WritingCommand, written: StreamedWriting, request: WritingRequest, sampling: SamplingSettings): Promise<void> {
  // A document closed mid-stream keeps nothing of it.
  if (written.outcome === 'closed' || document.isClosed) return Promise.resolve();
  return recordInsertion(ctx, document, {
    command,
    offset: written.offset,
    text: written.text,
    request,
    sampling,
    seed: written.seed,
    complete: written.outcome === 'complete',
    regenerable: written.outcome === 'complete' || written.outcome === 'cancelled',
    tokens: written.result?.tokens,
    // An interrupted stream had the writer's edit among its versions: none of them is only Inkling's.
    sinceVersion: written.outcome === 'interrupted' ? undefined : written.startVersion,
  });
}
