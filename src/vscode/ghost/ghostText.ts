/**
 * Ghost text: VS Code asks, the pure request builder decides whether and what to ask the model,
 * the engine answers (or is cancelled by the next keystroke), and the answer is trimmed to fit
 * what already follows the cursor.
 */
import * as vscode from 'vscode';
import { buildGhostRequest, ghostPromptChars, type GhostRequestReady } from '../../writing/prompts/ghost/ghostRequest';
import { CompletionCache, hashText } from '../../writing/prompts/ghost/completionCache';
import { dedupeAlternatives } from '../../writing/prompts/commands/nearDuplicate';
import { formKind, ghostForm } from '../../writing/verse/lines/formRequest';
import type { FormConstraint, GenerateParams } from '../../common/generation';
import type { EngineService } from '../service/engineService';
import { checkedInlineSettings, formSettings, inlineSettings, samplingSettings } from '../service/settings';
import { windowAround } from '../../writing/prompts/text/textWindow';
import type { Snooze } from './snooze';

/** A suggestion the model wrote, and the seed that wrote it (to ask for its word choices once taken). */
export interface GhostSample {
  text: string;
  seed: number;
}

/** Hears of the suggestions shown, and gives each the command that runs when the writer takes it. */
export interface GhostAcceptanceHook {
  commandFor(document: vscode.TextDocument, position: vscode.Position, request: GhostRequestReady, params: GenerateParams, shown: { text: string; sample: GhostSample }[]): (vscode.Command | undefined)[];
}

/** Samples generated when the writer asks to cycle through suggestions. */
const CYCLE_SAMPLES = 3;

export interface ShownSuggestion {
  uri: string;
  version: number;
  position: vscode.Position;
  text: string;
}

export interface GhostMetrics {
  lastLatencyMs: number;
  lastTokensPerSecond: number;
  requests: number;
  cacheHits: number;
  /** Time from being asked to returning items, for the most recent answered requests (ms). */
  latencies: number[];
}

const LATENCY_SAMPLES = 500;

export class GhostTextProvider implements vscode.InlineCompletionItemProvider {
  private readonly cache = new CompletionCache<GhostSample[]>(64);
  private readonly metricsEmitter = new vscode.EventEmitter<GhostMetrics>();
  readonly onDidUpdateMetrics = this.metricsEmitter.event;
  readonly metrics: GhostMetrics = { lastLatencyMs: 0, lastTokensPerSecond: 0, requests: 0, cacheHits: 0, latencies: [] };
  /** The suggestion last returned, for "accept line". */
  lastShown: ShownSuggestion | null = null;
  private readonly warnedSettings = new Set<string>();
  /** Gives suggestions a command to run when taken (word choices, the provenance log); set by the extension. */
  acceptance: GhostAcceptanceHook | null = null;

  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly engine: EngineService,
    private readonly snooze: Snooze,
  ) {
    // A cached suggestion came from one model; another model (or a server) must answer for itself.
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('inkling.model') || e.affectsConfiguration('inkling.engine') || e.affectsConfiguration('inkling.server')) this.cache.clear();
      }),
    ];
  }

  isEnabledFor(document: vscode.TextDocument, settings = inlineSettings(document)): boolean {
    return settings.enabled && settings.languages.includes(document.languageId) && !this.snooze.active;
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    // Every keystroke reaches here: read the settings once, and only the window of text a
    // suggestion needs — a manuscript of megabytes costs what a sonnet does.
    const { settings: inline, problems: inlineProblems } = checkedInlineSettings(document);
    this.warnOnce(inlineProblems);
    if (!this.isEnabledFor(document, inline)) return undefined;
    // Don't compete with an open completion widget: VS Code shows ours only if it agrees anyway.
    if (context.selectedCompletionInfo) return undefined;
    const started = performance.now();
    const { settings: sampling, problems } = samplingSettings(document);
    this.warnOnce(problems.map((p) => p.message));
    const window = readWindow(document, position);
    const formPrefs = formSettings(document);
    const request = buildGhostRequest({
      text: window.text,
      offset: window.offset,
      atDocumentStart: window.atDocumentStart,
      explicit,
      maxPromptChars: ghostPromptChars(this.engine.writer),
      maxWords: inline.maxWords,
      kind: formKind(formPrefs),
    });
    if (!request.ok) return undefined;
    // Verse keeps its form: the worker plans the line (length, rhyme) from the same prompt, and
    // rhyme mode guesses a first stanza's scheme from the poems before this one too.
    const { form, formContext } = ghostForm(request.kind, formPrefs, window.text.slice(0, window.offset));

    const samples = explicit ? CYCLE_SAMPLES : 1;
    const key = `${request.cacheKey}\u0000${JSON.stringify(sampling)}\u0000${samples}\u0000${JSON.stringify(form ?? null)}\u0000${formContext ? hashText(formContext) : ''}`;
    let texts = this.cache.get(key);
    this.metrics.requests++;
    // Story notes look for their keys further back than the worker's ghost prompt reaches.
    const params = { ...ghostParams(document, request, sampling, samples, form, formContext), notesText: window.text.slice(0, window.offset) };
    if (texts) this.metrics.cacheHits++;
    else {
      texts = await this.generate(params, token);
      if (texts === undefined) return undefined;
      this.cache.set(key, texts);
    }
    if (token.isCancellationRequested) return undefined;
    const shown = dedupeAlternatives(
      texts.map((sample) => ({ text: request.finish(sample.text), sample })).filter((t) => t.text.trim().length > 0),
      (t) => t.text,
    );
    const finished = shown.map((t) => t.text);
    this.metrics.lastLatencyMs = Math.round(performance.now() - started);
    this.metrics.latencies.push(this.metrics.lastLatencyMs);
    if (this.metrics.latencies.length > LATENCY_SAMPLES) this.metrics.latencies.shift();
    this.metricsEmitter.fire(this.metrics);
    if (finished.length === 0) return undefined;
    this.lastShown = { uri: document.uri.toString(), version: document.version, position, text: finished[0]! };
    const range = new vscode.Range(position, position);
    const commands = this.acceptance?.commandFor(document, position, request, params, shown) ?? [];
    return new vscode.InlineCompletionList(finished.map((t, i) => new vscode.InlineCompletionItem(t, range, commands[i])));
  }

  /** Tells the writer once about each setting that could not be used as written. */
  private warnOnce(messages: readonly string[]): void {
    for (const message of messages) {
      if (this.warnedSettings.has(message)) continue;
      this.warnedSettings.add(message);
      this.engine.reportOnce(vscode.l10n.t('Inkling setting: {0}', message));
    }
  }

  private async generate(params: GenerateParams, token: vscode.CancellationToken): Promise<GhostSample[] | undefined> {
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      const result = await this.engine.generate(params, { signal: abort.signal });
      if (result.stopReason === 'cancelled') return undefined;
      this.metrics.lastTokensPerSecond = result.stats.tokensPerSecond;
      return result.alternatives ? result.alternatives.map((a) => ({ text: a.text, seed: a.seed })) : [{ text: result.text, seed: result.stats.seed }];
    } catch (e) {
      this.engine.reportError(e);
      return undefined;
    } finally {
      subscription.dispose();
    }
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.metricsEmitter.dispose();
  }
}

/** The engine request for a suggestion: always sampled (beam search is for deliberate commands) and short. */
function ghostParams(
  document: vscode.TextDocument,
  request: GhostRequestReady,
  sampling: ReturnType<typeof samplingSettings>['settings'],
  samples: number,
  form: FormConstraint | undefined,
  formContext: string | undefined,
): GenerateParams {
  return {
    prompt: request.prompt,
    sampling: {
      ...sampling,
      strategy: sampling.strategy === 'beam' ? 'sample' : sampling.strategy,
      maxNewTokens: Math.min(sampling.maxNewTokens, request.maxNewTokens),
      stopStrings: [...sampling.stopStrings, ...request.stopStrings],
    },
    n: samples,
    caller: `ghost:${document.uri.toString()}`,
    form,
    ...(formContext ? { formContext } : {}),
  };
}

/** The text around a position that a suggestion reads (see writing/prompts/text/textWindow.ts), and the position's offset in it. */
export function readWindow(document: vscode.TextDocument, position: vscode.Position): { text: string; offset: number; atDocumentStart: boolean } {
  const offset = document.offsetAt(position);
  const last = document.lineAt(document.lineCount - 1).range.end;
  const range = windowAround(offset, document.offsetAt(last), (o) => document.offsetAt(new vscode.Position(document.positionAt(o).line, 0)));
  const text = document.getText(new vscode.Range(document.positionAt(range.start), document.positionAt(range.end)));
  return { text, offset: offset - range.start, atDocumentStart: range.atDocumentStart };
}
