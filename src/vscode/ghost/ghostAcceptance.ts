/**
 * Ghost text the writer takes (Tab) becomes an insertion like any other: it keeps its word
 * choices (asked of the engine again with the suggestion's own seed) and goes to the provenance
 * log. Each suggestion shown carries a command that VS Code runs after inserting it; nothing is
 * attached while neither word choices nor the log is on.
 */
import * as vscode from 'vscode';
import type { GenerateParams } from '../../common/generation';
import type { GhostRequestReady } from '../../writing/prompts/ghost/ghostRequest';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import type { GhostAcceptanceHook, GhostSample } from './ghostText';
import type { EngineService } from '../service/engineService';
import type { ProvenanceLog } from '../history/provenanceLog';
import { commandSettings, wordChoiceSettings } from '../service/settings';
import type { WordChoices } from '../history/wordChoices';
import { toDocumentEol } from '../commands/writingContext';

export const GHOST_ACCEPTED_COMMAND = 'inkling.ghostTextAccepted';

/** Suggestions remembered for their command: VS Code shows a handful at a time. */
const REMEMBERED = 16;

interface Shown {
  uri: string;
  offset: number;
  request: GhostRequestReady;
  params: GenerateParams;
  suggestions: { text: string; sample: GhostSample }[];
}

export interface GhostTaken {
  offset: number;
  text: string;
  seed: number;
}

export class GhostAcceptance implements GhostAcceptanceHook {
  private readonly shown = new Map<number, Shown>();
  private nextId = 1;
  /** The last suggestion taken, for tests. */
  lastTaken: GhostTaken | null = null;

  constructor(private readonly ctx: { engine: EngineService; provenance: ProvenanceLog; wordChoices: WordChoices }) {}

  commandFor(document: vscode.TextDocument, position: vscode.Position, request: GhostRequestReady, params: GenerateParams, suggestions: { text: string; sample: GhostSample }[]): (vscode.Command | undefined)[] {
    if (!wordChoiceSettings(document).enabled && !commandSettings(document).provenance) return [];
    const id = this.nextId++;
    this.shown.set(id, { uri: document.uri.toString(), offset: document.offsetAt(position), request, params, suggestions });
    for (const old of this.shown.keys()) if (this.shown.size > REMEMBERED) this.shown.delete(old);
    return suggestions.map((_, i) => ({ command: GHOST_ACCEPTED_COMMAND, title: vscode.l10n.t('Inkling: keep what the suggestion wrote'), arguments: [id, i] }));
  }

  /** Runs after VS Code inserted suggestion `index` of shown set `id`. */
  async accepted(id: unknown, index: unknown): Promise<GhostTaken | null> {
    const entry = typeof id === 'number' ? this.shown.get(id) : undefined;
    const suggestion = entry && typeof index === 'number' ? entry.suggestions[index] : undefined;
    const document = entry && vscode.workspace.textDocuments.find((d) => d.uri.toString() === entry.uri);
    if (!entry || !suggestion || !document) return null;
    const text = toDocumentEol(document, suggestion.text);
    const range = new vscode.Range(document.positionAt(entry.offset), document.positionAt(entry.offset + text.length));
    // Taken somewhere else than where it was shown (or only partly): nothing to keep.
    if (document.getText(range) !== text) return null;
    const seed = suggestion.sample.seed;
    const sampling = entry.params.sampling as SamplingSettings;
    this.ctx.wordChoices.track(
      document,
      entry.offset,
      text,
      { command: 'ghostText', kind: entry.request.kind, lines: 1, formConstraint: entry.params.form, sampling, seed },
      undefined,
      { params: { ...entry.params, sampling: { ...entry.params.sampling, seed } }, finish: (raw) => entry.request.finish(raw) },
    );
    await this.ctx.provenance.record(document, {
      command: 'ghostText',
      offset: entry.offset,
      text,
      model: this.ctx.engine.modelName ?? 'unknown',
      seed,
      complete: true,
      settings: { sampling, maxNewTokens: sampling.maxNewTokens, stopStrings: sampling.stopStrings, lines: 1, kind: entry.request.kind, ...(entry.params.form ? { form: entry.params.form } : {}) },
    });
    this.lastTaken = { offset: entry.offset, text, seed };
    return this.lastTaken;
  }
}
