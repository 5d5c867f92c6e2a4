/** The status bar item: model state, last latency and speed; a click toggles ghost text. */
import * as vscode from 'vscode';
import type { EngineState } from '../../client/engineClient';
import type { GhostMetrics } from '../ghost/ghostText';
import type { EngineDescription } from '../../common/generation';
import { shareLine, type Share } from '../../writing/history/authorship';

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

/** The engine's state in words (a function: the l10n bundle is read at run time). */
function stateWords(): Record<EngineState, string> {
  return {
    stopped: vscode.l10n.t('idle'),
    starting: vscode.l10n.t('starting'),
    connecting: vscode.l10n.t('connecting to the server'),
    loading: vscode.l10n.t('loading model'),
    ready: vscode.l10n.t('ready'),
    generating: vscode.l10n.t('writing'),
    error: vscode.l10n.t('error'),
  };
}

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
    if (view.snoozedMinutes > 0) text = `$(clock) ${vscode.l10n.t('Inkling snoozed {0}m', view.snoozedMinutes)}`;
    else if (off) text = `$(circle-slash) ${vscode.l10n.t('Inkling off')}`;
    else {
      const speed = view.metrics.lastLatencyMs && view.state === 'ready' ? ` ${view.metrics.lastLatencyMs} ms` : '';
      text = `${ICONS[view.state]} Inkling${speed}`;
    }
    this.item.text = text;
    this.item.backgroundColor = view.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const m = view.metrics;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = { enabledCommands: ['inkling.toggleInline', 'inkling.toggleInlineForLanguage', 'inkling.snooze', 'inkling.showLog', 'inkling.openSamplingSettings', 'inkling.restartEngine', 'inkling.toggleAuthorship', 'inkling.exportDisclosure'] };
    const words = stateWords();
    tooltip.appendMarkdown(`${view.engine && view.engine.kind !== 'local' ? vscode.l10n.t('**Inkling** — server {0}', words[view.state]) : vscode.l10n.t('**Inkling** — model {0}', words[view.state])}\n\n`);
    const e = view.engine;
    if (e) tooltip.appendText(`${describeEngine(e)}\n\n`);
    if (view.detail && (view.state === 'error' || view.state === 'stopped')) tooltip.appendText(`${view.state === 'stopped' ? vscode.l10n.t('The model was {0}', view.detail) : view.detail}\n\n`);
    if (m.requests) tooltip.appendMarkdown(`${vscode.l10n.t('Last suggestion {0} ms · {1} tokens/s · cache hits {2}/{3}', m.lastLatencyMs, m.lastTokensPerSecond, m.cacheHits, m.requests)}\n\n`);
    if (view.notes && (view.notes.used.length || view.notes.left.length)) {
      tooltip.appendText(`${vscode.l10n.t('Story notes read: {0}', view.notes.used.join(', ') || vscode.l10n.t('none'))}${view.notes.left.length ? ` ${vscode.l10n.t('(over the budget: {0})', view.notes.left.join(', '))}` : ''}\n\n`);
    }
    if (view.authorship) tooltip.appendMarkdown(`${shareLine(view.authorship)} [${vscode.l10n.t('Who wrote what')}](command:inkling.toggleAuthorship) · [${vscode.l10n.t('Export disclosure')}](command:inkling.exportDisclosure)\n\n`);
    tooltip.appendMarkdown(
      `[${view.enabled ? vscode.l10n.t('Turn off') : vscode.l10n.t('Turn on')}](command:inkling.toggleInline) · [${vscode.l10n.t('This language')}](command:inkling.toggleInlineForLanguage) · [${vscode.l10n.t('Snooze')}](command:inkling.snooze) · [${vscode.l10n.t('Sampling settings')}](command:inkling.openSamplingSettings) · [${vscode.l10n.t('Show log')}](command:inkling.showLog)`,
    );
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: off ? vscode.l10n.t('Inkling off') : `Inkling ${words[view.state]}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** One line on what writes: "Inkling's worker: inkling-verse (256-token context)" or "llama.cpp b11669 at http://127.0.0.1:8080: model x.gguf, 4096-token context". */
export function describeEngine(e: EngineDescription): string {
  const context = e.contextLength ? vscode.l10n.t(', {0}-token context', e.contextLength) : '';
  if (e.kind === 'local') return `${vscode.l10n.t("Inkling's worker: {0}", e.model)}${context}`;
  return `${vscode.l10n.t('{0} at {1}: model {2}', `${e.kind}${e.version ? ` ${e.version}` : ''}`, e.url ?? vscode.l10n.t('the server'), e.model)}${context}`;
}
