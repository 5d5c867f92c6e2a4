/**
 * The sampling settings panel: one webview panel (reused while open, restored after a reload by
 * a serializer) that shows and writes `inkling.*` settings. The page is a client of a typed
 * protocol (src/writing/settings/panelProtocol.ts): it says `ready` before anything is posted, every
 * message it sends is validated and a bad one is rejected and logged with nothing written, and
 * the panel re-renders whenever the settings change, from the panel or from settings.json.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { EngineLogger } from '../../client/engineClient';
import { modelChoices, modelFolderProblem } from '../../engine/model/modelChoices';
import { validatePanelMessage, type PanelRequest, type PanelScope, type PanelState, type PanelUpdate } from '../../writing/settings/panelProtocol';
import type { EngineService } from '../service/engineService';
import { guarded } from '../service/logger';
import { PanelSettings } from './panelSettings';
import { localizedManifest, panelStrings } from './panelText';
import { TryItRunner, tryPrompt } from './panelTryIt';
import { inlineSettings, modelSettings, samplingSettings, SECTION } from '../service/settings';
import { describeEngine } from '../service/statusBar';
import { ignoredSettings } from '../../client/server/dialect';

export const SAMPLING_PANEL_VIEW_TYPE = 'inkling.samplingSettings';
const RECENT_MODELS_KEY = 'inkling.recentModelFolders';
const MAX_RECENT_MODELS = 8;

/** Owns the (at most one) panel: the command opens or reveals it, the serializer revives it. */
export class SamplingPanels implements vscode.Disposable {
  private panel: SamplingPanel | null = null;
  private lastEditor: vscode.TextEditor | undefined = writingEditor(vscode.window.activeTextEditor);
  private readonly disposables: vscode.Disposable[] = [];
  /** Messages from the page that were rejected, newest last (for the log and for tests). */
  readonly rejected: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineService,
    private readonly logger: EngineLogger,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand('inkling.openSamplingSettings', () => this.open()),
      vscode.window.registerWebviewPanelSerializer(SAMPLING_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.revive(panel);
        },
      }),
      // While the panel has focus there is no active editor: "Try it" uses the last one the writer
      // wrote in (not, say, settings.json).
      vscode.window.onDidChangeActiveTextEditor((e) => writingEditor(e) && (this.lastEditor = e)),
    );
  }

  /** The open panel, if any. */
  get current(): SamplingPanel | null {
    return this.panel;
  }

  open(): SamplingPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(SAMPLING_PANEL_VIEW_TYPE, vscode.l10n.t('Inkling Sampling'), vscode.ViewColumn.Beside, webviewOptions(this.context.extensionUri));
    return this.revive(panel);
  }

  /** Takes over a panel VS Code restored after a reload (the serializer's path): fresh HTML, the same handshake. */
  revive(webviewPanel: vscode.WebviewPanel): SamplingPanel {
    this.panel?.dispose();
    const panel = new SamplingPanel(webviewPanel, this.context, this.engine, this.logger, () => this.lastEditor, (reason) => {
      this.rejected.push(reason);
      if (this.rejected.length > 100) this.rejected.shift();
    });
    this.panel = panel;
    webviewPanel.onDidDispose(() => {
      if (this.panel === panel) this.panel = null;
    });
    return panel;
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The editor, when it shows a document in a language Inkling writes in. */
function writingEditor(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  return editor && inlineSettings(editor.document).languages.includes(editor.document.languageId) ? editor : undefined;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
}

export class SamplingPanel implements vscode.Disposable {
  private readonly settings: PanelSettings;
  private readonly tryIt: TryItRunner;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pendingState: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineService,
    private readonly logger: EngineLogger,
    private readonly lastEditor: () => vscode.TextEditor | undefined,
    private readonly onRejected: (reason: string) => void,
  ) {
    this.settings = new PanelSettings(localizedManifest(context.extensionPath, context.extension.packageJSON));
    this.tryIt = new TryItRunner(engine, (u) => this.post(u), (m) => logger.warn(m));
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'feather.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      this.tryIt,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      vscode.workspace.onDidChangeConfiguration(guarded(logger, 'Sampling panel update', (e: vscode.ConfigurationChangeEvent) => e.affectsConfiguration(SECTION) && this.scheduleState())),
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleState()),
      // What writes (a server found, a model loaded) is part of what the panel shows.
      engine.onDidChangeState(() => this.scheduleState()),
      ...(engine.storyNotes ? [engine.storyNotes.onDidUse(() => this.scheduleState())] : []),
    );
  }

  get webview(): vscode.Webview {
    return this.panel.webview;
  }

  reveal(): void {
    this.panel.reveal();
  }

  private async receive(raw: unknown): Promise<void> {
    const checked = validatePanelMessage(raw, this.settings.specs);
    if (!checked.ok) {
      this.reject(checked.reason);
      return;
    }
    try {
      await this.handle(checked.message);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      this.logger.error(`Sampling panel: ${checked.message.type} failed: ${message}`);
      this.post({ type: 'notice', level: 'error', message: vscode.l10n.t('Could not save the setting: {0}', message) });
    }
  }

  private reject(reason: string): void {
    this.logger.warn(`Sampling panel: rejected a message from the page: ${reason}`);
    this.onRejected(reason);
    this.post({ type: 'notice', level: 'error', message: vscode.l10n.t('Ignored a request from the panel: {0}', reason) });
  }

  private async handle(m: PanelRequest): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.postState();
        return;
      case 'setSetting':
        if (!this.scopeUsable(m.scope)) return;
        return this.settings.write(m.key, m.value, m.scope);
      case 'resetSetting':
        if (!this.scopeUsable(m.scope)) return;
        return this.settings.write(m.key, undefined, m.scope);
      case 'applyPreset': {
        if (!this.scopeUsable(m.scope)) return;
        const preset = this.settings.allPresets().find((p) => p.name === m.name);
        if (!preset) return this.reject(`applyPreset: there is no preset called ${JSON.stringify(m.name)}`);
        const started = performance.now();
        const written = await this.settings.applyPreset(preset, m.scope);
        this.logger.info(`Sampling panel: applied the preset "${preset.name}" to ${m.scope} settings (${written} values written) in ${Math.round(performance.now() - started)} ms`);
        return;
      }
      case 'savePreset':
        if (!this.scopeUsable(m.scope)) return;
        return this.notice(await this.settings.savePreset(m.name, m.scope), vscode.l10n.t('Saved the settings as "{0}".', m.name));
      case 'renamePreset':
        return this.notice(await this.settings.renamePreset(m.from, m.to), vscode.l10n.t('Renamed "{0}" to "{1}".', m.from, m.to));
      case 'deletePreset':
        return this.notice(await this.settings.deletePreset(m.name), vscode.l10n.t('Deleted the preset "{0}".', m.name));
      case 'setModel':
        return this.setModel(m.path);
      case 'chooseModelFolder':
        return this.chooseModelFolder();
      case 'tryIt':
      {
        const editor = this.lastEditor();
        const { drySequenceBreakers, bannedPhrases } = samplingSettings(editor?.document.uri).settings;
        return this.tryIt.run(m.sampling, m.compare, this.settings.allPresets(), tryPrompt(editor, this.engine.writer), { drySequenceBreakers, bannedPhrases });
      }
      case 'stopTry':
        this.tryIt.stop();
        return;
      case 'openSettingsJson':
        await vscode.commands.executeCommand(m.scope === 'workspace' ? 'workbench.action.openWorkspaceSettingsFile' : 'workbench.action.openSettingsJson');
        return;
    }
  }

  private scopeUsable(scope: PanelScope): boolean {
    if (scope === 'workspace' && !vscode.workspace.workspaceFolders?.length) {
      this.post({ type: 'notice', level: 'error', message: vscode.l10n.t('There is no workspace open: choose User settings instead.') });
      return false;
    }
    return true;
  }

  private notice(problem: string | null, done: string): void {
    this.post(problem ? { type: 'notice', level: 'error', message: problem } : { type: 'notice', level: 'info', message: done });
  }

  /** Only a model the panel offered can be picked; anything else is a page bug or tampering. */
  private async setModel(path: string): Promise<void> {
    if (!this.models().some((c) => c.path === path)) return this.reject(`setModel: ${JSON.stringify(path)} is not one of the models offered`);
    if (path) {
      const problem = modelFolderProblem(path);
      if (problem) return this.post({ type: 'notice', level: 'error', message: problem });
    }
    // The model folder is machine-scoped: it belongs in the writer's own settings, never a workspace's.
    await vscode.workspace.getConfiguration(SECTION).update('model.path', path || undefined, vscode.ConfigurationTarget.Global);
  }

  private async chooseModelFolder(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use This Model'), title: vscode.l10n.t('Choose a model folder (config.json, tokenizer.json, onnx/)') });
    const dir = picked?.[0]?.fsPath;
    if (!dir) return;
    const problem = modelFolderProblem(dir);
    if (problem) {
      this.post({ type: 'notice', level: 'error', message: problem });
      return;
    }
    const recent = this.context.globalState.get<string[]>(RECENT_MODELS_KEY, []).filter((d) => d !== dir);
    await this.context.globalState.update(RECENT_MODELS_KEY, [dir, ...recent].slice(0, MAX_RECENT_MODELS));
    await vscode.workspace.getConfiguration(SECTION).update('model.path', dir, vscode.ConfigurationTarget.Global);
    this.post({ type: 'notice', level: 'info', message: vscode.l10n.t('Using the model in {0}.', dir) });
  }

  private models() {
    const current = modelSettings().path;
    const roots = [join(this.context.extensionPath, 'models'), join(this.context.globalStorageUri.fsPath, 'models')];
    return modelChoices(this.context.extensionPath, roots, this.context.globalState.get<string[]>(RECENT_MODELS_KEY, []), current);
  }

  private state(): PanelState {
    const current = modelSettings().path;
    const read = this.settings.read();
    const d = this.engine.description;
    const sampling = samplingSettings().settings;
    const unsupported = ignoredSettings(this.engine.capabilities, sampling).map((name) => read.settings[`sampling.${name}`]?.spec.label ?? name);
    return {
      ...read,
      models: this.models(),
      modelPath: current ? resolve(current) : '',
      promptSource: tryPrompt(this.lastEditor()).source,
      engine: d ? describeEngine(d) : this.engine.state === 'error' ? vscode.l10n.t('not available (see the status bar)') : vscode.l10n.t('not started yet (the first request starts it)'),
      onServer: d ? d.kind !== 'local' : this.engine.current !== this.engine.client,
      unsupported: d && d.kind !== 'local' ? unsupported : [],
      notesUsed: this.engine.storyNotes?.lastUse ? { used: this.engine.storyNotes.lastUse.used, left: this.engine.storyNotes.lastUse.left } : null,
    };
  }

  /** Settings change in bursts (a preset writes nine keys): render once per burst. */
  private scheduleState(): void {
    if (this.pendingState || !this.ready) return;
    this.pendingState = setTimeout(() => {
      this.pendingState = null;
      this.postState();
    }, 30);
  }

  private postState(): void {
    this.post({ type: 'state', state: this.state() });
  }

  private post(update: PanelUpdate): void {
    // Nothing goes to the page before it said `ready`: earlier messages would be lost.
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(update);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', ...p)).toString();
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="${escapeAttribute(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${media('codicons', 'codicon.css')}" rel="stylesheet">
<link href="${media('samplingPanel.css')}" rel="stylesheet">
<title>${escapeHtml(vscode.l10n.t('Inkling Sampling'))}</title>
</head>
<body>
<main id="inkling-sampling-panel" aria-busy="true" data-strings="${escapeAttribute(JSON.stringify(panelStrings()))}">
  <p class="loading"><span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span> ${escapeHtml(vscode.l10n.t('Loading settings…'))}</p>
</main>
<script nonce="${nonce}" src="${media('samplingPanel.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.pendingState) clearTimeout(this.pendingState);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

/** Text for an HTML element's content: the page's words come from translations, never trusted as markup. */
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text for a double-quoted HTML attribute. */
function escapeAttribute(s: string): string {
  return escapeHtml(s).replace(/"/g, '&quot;');
}
