/**
 * "Try it" in the sampling panel: continues the text at the cursor of the writer's last editor
 * (or a sample line) with the panel's settings through the real worker, streaming into the page;
 * a comparison runs two presets on the same seed so only the settings differ.
 */
import * as vscode from 'vscode';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import { SEED_MAX } from '../../writing/settings/samplingSettings';
import { prefixWindow } from '../../writing/prompts/text/prefixWindow';
import { ghostPromptChars } from '../../writing/prompts/ghost/ghostRequest';
import { CURRENT_SETTINGS, type PanelUpdate, type TrySampling } from '../../writing/settings/panelProtocol';
import type { SamplingPreset } from '../../writing/settings/samplingPresets';
import type { EngineService } from '../service/engineService';
import { readLfWindow } from '../commands/writingContext';

/** What "Try it" continues when no text editor has been used. */
export const SAMPLE_LINE = 'Once upon a time, in a house by the sea, there lived';

export interface TryPrompt {
  text: string;
  /** Where it came from, for the panel: "poem.md, line 4" or "a sample line". */
  source: string;
}

/** The prompt for "Try it": the window of text before the cursor in `editor` (as ghost text reads it for `writer`), else the sample line. */
export function tryPrompt(editor: vscode.TextEditor | undefined, writer: 'worker' | 'server' = 'worker'): TryPrompt {
  if (editor && !editor.document.isClosed) {
    const doc = editor.document;
    // The window before the cursor only, as ghost text reads it (never the whole document).
    const window = readLfWindow(doc, editor.selection.active);
    const text = prefixWindow(window.text.slice(0, window.offset), ghostPromptChars(writer), undefined, window.atDocumentStart).text.replace(/[ \t]+$/, '');
    if (text.trim()) return { text, source: vscode.l10n.t('{0}, line {1}', vscode.workspace.asRelativePath(doc.uri), editor.selection.active.line + 1) };
  }
  return { text: SAMPLE_LINE, source: vscode.l10n.t('a sample line (no text before the cursor of an open editor)') };
}

export class TryItRunner implements vscode.Disposable {
  private runId = 0;
  private abort: AbortController | null = null;

  constructor(
    private readonly engine: EngineService,
    private readonly post: (update: PanelUpdate) => void,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Runs one side (the panel's settings) or two (a comparison), on one seed: the settings' seed,
   * or a fresh one shared by both sides. A newer run cancels this one.
   */
  async run(sampling: TrySampling, compare: [string, string] | null, presets: readonly SamplingPreset[], prompt: TryPrompt, lists: Pick<SamplingSettings, 'drySequenceBreakers' | 'bannedPhrases'>): Promise<void> {
    this.stop();
    const runId = ++this.runId;
    const abort = new AbortController();
    this.abort = abort;
    const seed = sampling.seed ?? Math.floor(Math.random() * SEED_MAX);
    const sides: { label: string; settings: SamplingSettings }[] = [];
    for (const name of compare ?? [CURRENT_SETTINGS]) {
      if (name === CURRENT_SETTINGS) {
        sides.push({ label: compare ? vscode.l10n.t('Current settings') : vscode.l10n.t('Your settings'), settings: { ...sampling, ...lists, seed, stopStrings: [] } });
        continue;
      }
      const preset = presets.find((p) => p.name === name);
      if (!preset) {
        this.post({ type: 'tryFailed', runId, message: vscode.l10n.t('There is no preset called "{0}".', name) });
        return;
      }
      // A preset sets the style; length and seed stay the panel's so the sides differ only in style.
      sides.push({ label: preset.name, settings: { ...sampling, ...preset.values, ...lists, seed, stopStrings: [] } });
    }
    this.post({ type: 'tryStarted', runId, sides: sides.map((s) => ({ label: s.label, seed })), prompt: prompt.text.slice(-400), promptSource: prompt.source });
    // The worker runs one generation at a time: the sides run one after the other.
    for (const [side, s] of sides.entries()) {
      if (abort.signal.aborted) return;
      try {
        const result = await this.engine.generate(
          { prompt: prompt.text, sampling: s.settings, stream: true, caller: `panel:${side}` },
          { signal: abort.signal, onToken: (text) => this.post({ type: 'tryToken', runId, side, text }) },
        );
        this.post({ type: 'tryDone', runId, side, text: result.text, stopReason: result.stopReason, newTokens: result.stats.newTokens, tokensPerSecond: result.stats.tokensPerSecond });
        if (result.stopReason === 'cancelled') return;
      } catch (e) {
        this.log(`Try it failed: ${(e as Error)?.message ?? String(e)}`);
        this.post({ type: 'tryFailed', runId, message: (e as Error)?.message ?? String(e) });
        return;
      }
    }
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
  }

  dispose(): void {
    this.stop();
  }
}
