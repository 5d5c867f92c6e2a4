/** The status bar item: model state, last latency and speed; a click toggles ghost text. */
import * as vscode from 'vscode';
import type { EngineState } from '../client/engineClient';
import type { GhostMetrics } from './ghostText';
import type { EngineDescription } from '../common/generation';
import { shareLine, type Share } from '../writing/authorship';

export interface StatusView {
  state: EngineState;
  detail?: string;
  enabled: boolean;
  languageEnabled: boolean;
  snoozedMinutes: number;
  metrics: GhostMetrics;
  /** What writes: the worker's model, or the server found. */
  engine?: EngineDescription | null;
  /** The story notes the last suggestion for this document read. */
  notes?: { used: string[]; left: string[] } | null;
  /** How much of the active document Inkling wrote, when it wrote any. */
  authorship?: Share | null;
}

const ICONS: Record<EngineState, string> = {
  stopped: '$(feather)',
  starting: '$(loading~spin)',
  connecting: '$(loading~spin)',
  loading: '$(loading~spin)',
  ready: '$(feather)',
  generating: '$(sync~spin)',
  error: '$(error)',
};

const WORDS: Record<EngineState, string> = {
  stopped: 'idle',
  starting: 'starting',
  connecting: 'connecting to the server',
  loading: 'loading model',
  ready: 'ready',
  generating: 'writing',
  error: 'error',
};

export class StatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;

  constructor(toggleCommand: string) {
    this.item = vscode.window.createStatusBarItem('inkling.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Inkling';
    this.item.command = toggleCommand;
    this.item.show();
  }

  render(view: StatusView): void {
    const off = !view.enabled || !view.languageEnabled;
    let text: string;
    if (view.snoozedMinutes > 0) text = `$(clock) Inkling snoozed ${view.snoozedMinutes}m`;
    else if (off) text = `$(circle-slash) Inkling off`;
    else {
      const speed = view.metrics.lastLatencyMs && view.state === 'ready' ? ` ${view.metrics.lastLatencyMs} ms` : '';
      text = `${ICONS[view.state]} Inkling${speed}`;
    }
    this.item.text = text;
    this.item.backgroundColor = view.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const m = view.metrics;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = { enabledCommands: ['inkling.toggleInline', 'inkling.toggleInlineForLanguage', 'inkling.snooze', 'inkling.showLog', 'inkling.openSamplingSettings', 'inkling.restartEngine', 'inkling.toggleAuthorship', 'inkling.exportDisclosure'] };
    tooltip.appendMarkdown(`**Inkling** — ${view.engine && view.engine.kind !== 'local' ? 'server' : 'model'} ${WORDS[view.state]}\n\n`);
    const e = view.engine;
    if (e) tooltip.appendText(`${describeEngine(e)}\n\n`);
    if (view.detail && (view.state === 'error' || view.state === 'stopped')) tooltip.appendText(`${view.state === 'stopped' ? 'The model was ' : ''}${view.detail}\n\n`);
    if (m.requests) tooltip.appendMarkdown(`Last suggestion ${m.lastLatencyMs} ms · ${m.lastTokensPerSecond} tokens/s · cache hits ${m.cacheHits}/${m.requests}\n\n`);
    if (view.notes && (view.notes.used.length || view.notes.left.length)) {
      tooltip.appendText(`Story notes read: ${view.notes.used.join(', ') || 'none'}${view.notes.left.length ? ` (over the budget: ${view.notes.left.join(', ')})` : ''}\n\n`);
    }
    if (view.authorship) tooltip.appendMarkdown(`${shareLine(view.authorship)} [Who wrote what](command:inkling.toggleAuthorship) · [Export disclosure](command:inkling.exportDisclosure)\n\n`);
    tooltip.appendMarkdown(
      `[${view.enabled ? 'Turn off' : 'Turn on'}](command:inkling.toggleInline) · [This language](command:inkling.toggleInlineForLanguage) · [Snooze](command:inkling.snooze) · [Sampling settings](command:inkling.openSamplingSettings) · [Show log](command:inkling.showLog)`,
    );
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `Inkling ${off ? 'off' : WORDS[view.state]}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** One line on what writes: "Inkling's worker: inkling-verse (256-token context)" or "llama.cpp b11669 at http://127.0.0.1:8080: model x.gguf, 4096-token context". */
export function describeEngine(e: EngineDescription): string {
  const context = e.contextLength ? `, ${e.contextLength}-token context` : '';
  if (e.kind === 'local') return `Inkling's worker: ${e.model}${context}`;
  return `${e.kind}${e.version ? ` ${e.version}` : ''} at ${e.url ?? 'the server'}: model ${e.model}${context}`;
}
