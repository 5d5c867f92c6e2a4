/**
 * "Inkling: Choose Model": a Quick Pick of the default model, the models installed in the
 * extension's global storage, the known models that can be downloaded (with size, licence and
 * what they are good for), and "Choose Folder…". Choosing writes `inkling.model.path` to the
 * writer's user settings. Downloads happen only when `inkling.network.allowDownloads` is on,
 * with a cancellable progress notification; a cancelled download resumes next time.
 *
 * Tests (and keybindings) can skip the picker: `inkling.chooseModel` accepts `{ folder }`,
 * `{ modelId }` or `{ useDefault: true }` and resolves to the path it set ('' for the default),
 * or undefined when nothing changed.
 */
import * as vscode from 'vscode';
import { join, resolve } from 'node:path';
import type { EngineLogger } from '../../client/engineClient';
import { DEFAULT_HUB_ENDPOINT, DownloadError, installModel } from '../../client/modelDownloader';
import { loadManifest, type KnownModel } from '../../client/modelManifest';
import { ModelStore, type InstalledModel } from '../../client/modelStore';
import { checkModelFolder } from '../../engine/model/modelFolder';
import { BUNDLED_MODEL, defaultModel, preferredDtype } from '../../engine/model/modelLocator';
import { modelSettings, SECTION } from './settings';

export interface ChooseModelArgs {
  folder?: string;
  modelId?: string;
  useDefault?: boolean;
}

type PickItem = vscode.QuickPickItem & { run?: () => Promise<string | undefined> };

export function registerModelPicker(context: vscode.ExtensionContext, logger: EngineLogger): vscode.Disposable {
  const picker = new ModelPicker(context, logger);
  return vscode.commands.registerCommand('inkling.chooseModel', (args?: ChooseModelArgs) => picker.choose(args));
}

class ModelPicker {
  private readonly store: ModelStore;
  private downloading: Promise<string | undefined> | null = null;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: EngineLogger,
  ) {
    this.store = new ModelStore(join(context.globalStorageUri.fsPath, 'models'));
  }

  async choose(args?: ChooseModelArgs): Promise<string | undefined> {
    try {
      if (args?.useDefault) return await this.useDefault();
      if (typeof args?.folder === 'string') return await this.useFolder(args.folder);
      if (typeof args?.modelId === 'string') {
        const model = this.known().find((m) => m.id === args.modelId);
        if (!model) throw new Error(`Inkling knows no model "${args.modelId}".`);
        return await this.download(model);
      }
      return await this.pick();
    } catch (e) {
      this.logger.error(`Choose Model: ${(e as Error)?.stack ?? String(e)}`);
      void vscode.window.showErrorMessage((e as Error)?.message ?? String(e));
      return undefined;
    }
  }

  private async pick(): Promise<string | undefined> {
    const current = modelSettings().path;
    const currentDir = current ? resolve(current) : '';
    const mark = (dir: string) => (dir === currentDir ? ` · ${vscode.l10n.t('in use')}` : '');
    const items: PickItem[] = [];
    const located = defaultModel(this.context.extensionPath);
    if (located) {
      const own = located.dir === resolve(this.context.extensionPath, BUNDLED_MODEL);
      items.push({
        label: `$(star) ${own ? vscode.l10n.t("Inkling's own model") : vscode.l10n.t('The test model (development checkout)')}`,
        description: current ? vscode.l10n.t('default') : `${vscode.l10n.t('default')} · ${vscode.l10n.t('in use')}`,
        detail: located.dir,
        run: () => this.useDefault(),
      });
    }
    const installed = this.store.installed();
    if (installed.length) items.push({ label: vscode.l10n.t('Installed'), kind: vscode.QuickPickItemKind.Separator });
    for (const m of installed) {
      items.push({ label: `$(database) ${m.record.name}`, description: `${m.record.licence} · ${mb(m.record.files.reduce((s, f) => s + f.size, 0))}${mark(m.dir)}`, detail: m.dir, run: () => this.useFolder(m.dir) });
    }
    const installedIds = new Set(installed.map((m) => m.record.id));
    const offered = this.known().filter((m) => !installedIds.has(m.id) && (!m.testOnly || this.endpoint() !== DEFAULT_HUB_ENDPOINT));
    if (offered.length) items.push({ label: vscode.l10n.t('Download from the Hugging Face hub'), kind: vscode.QuickPickItemKind.Separator });
    for (const m of offered) {
      items.push({ label: `$(cloud-download) ${m.name}`, description: `${m.licence}${m.size !== undefined ? ` · ${mb(m.size)}` : ''} · ${m.source.repo}`, detail: m.description, run: () => this.download(m) });
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: `$(folder-opened) ${vscode.l10n.t('Choose Folder…')}`, detail: vscode.l10n.t('A model folder in the Hugging Face layout: config.json, tokenizer.json, onnx/model*.onnx'), run: () => this.chooseFolder() });
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Inkling: Choose Model'), placeHolder: current ? vscode.l10n.t('In use: {0}', current) : vscode.l10n.t('In use: the default model'), matchOnDescription: true, matchOnDetail: true });
    return picked?.run ? picked.run() : undefined;
  }

  private async chooseFolder(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use This Model'), title: vscode.l10n.t('Choose a model folder (config.json, tokenizer.json, onnx/)') });
    const dir = picked?.[0]?.fsPath;
    return dir ? this.useFolder(dir) : undefined;
  }

  /** Validates `dir` the way the worker will load it; on a problem the setting stays as it was. */
  private async useFolder(folder: string): Promise<string | undefined> {
    const dir = resolve(folder);
    const wanted = modelSettings().dtype;
    try {
      checkModelFolder(dir, wanted === 'auto' ? preferredDtype(dir) : wanted);
    } catch (e) {
      void vscode.window.showErrorMessage((e as Error).message);
      return undefined;
    }
    await vscode.workspace.getConfiguration(SECTION).update('model.path', dir, vscode.ConfigurationTarget.Global);
    this.logger.info(`Choose Model: ${dir}`);
    return dir;
  }

  private async useDefault(): Promise<string | undefined> {
    await vscode.workspace.getConfiguration(SECTION).update('model.path', undefined, vscode.ConfigurationTarget.Global);
    return '';
  }

  private async download(model: KnownModel): Promise<string | undefined> {
    if (this.downloading) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Inkling is already downloading a model; wait for it or cancel it first.'));
      return undefined;
    }
    this.downloading = this.runDownload(model);
    try {
      return await this.downloading;
    } finally {
      this.downloading = null;
    }
  }

  private async runDownload(model: KnownModel): Promise<string | undefined> {
    // Machine-scoped: a workspace cannot turn downloads on or redirect them.
    const network = vscode.workspace.getConfiguration(`${SECTION}.network`);
    const allowDownloads = network.get<boolean>('allowDownloads', false) === true;
    try {
      // Without consent the downloader returns an installed copy or refuses before any request.
      const installed = allowDownloads ? await this.downloadWithProgress(model) : await installModel(model, { store: this.store, allowDownloads: false });
      await vscode.workspace.getConfiguration(SECTION).update('model.path', installed.dir, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(vscode.l10n.t('Inkling now writes with {0} ({1}).', model.name, model.licence));
      return installed.dir;
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      if (e.code === 'cancelled') {
        void vscode.window.showInformationMessage(vscode.l10n.t('Download of {0} cancelled. Choosing it again resumes where it stopped.', model.name));
      } else if (e.code === 'downloads-disabled') {
        void vscode.window.showWarningMessage(e.message, vscode.l10n.t('Open Settings')).then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.network.allowDownloads`);
        });
      } else {
        this.logger.warn(`Download of ${model.id} failed (${e.code}): ${e.message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('{0} could not be installed: {1}', model.name, e.message));
      }
      return undefined;
    }
  }

  private downloadWithProgress(model: KnownModel): Thenable<InstalledModel> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', model.name), cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      const cancelled = token.onCancellationRequested(() => controller.abort());
      let shown = 0;
      let lastReport = 0;
      return installModel(model, {
        store: this.store,
        endpoint: this.endpoint(),
        allowDownloads: true,
        signal: controller.signal,
        log: (m) => this.logger.info(`Download: ${m}`),
        onProgress: (p) => {
          // The notification needs a few updates a second, not one per network chunk.
          const now = Date.now();
          if (p.phase === 'prepare') {
            // The bar is full; the one-time rewrite says how far it is in the message.
            progress.report({ message: vscode.l10n.t('Preparing the faster graph — {0}%', p.total ? Math.floor((p.bytes / p.total) * 100) : 0), increment: 100 - shown });
            shown = 100;
            return;
          }
          const percent = p.total ? Math.floor((p.bytes / p.total) * 100) : 0;
          if (now - lastReport < 200 && percent === shown) return;
          lastReport = now;
          progress.report({ message: `${p.file} — ${mb(p.bytes)}${p.total ? ` of ${mb(p.total)}` : ''}`, increment: Math.max(0, percent - shown) });
          shown = Math.max(shown, percent);
        },
      }).finally(() => cancelled.dispose());
    });
  }

  private known(): KnownModel[] {
    return loadManifest(join(this.context.extensionPath, 'models/manifest.json'));
  }

  private endpoint(): string {
    const value = vscode.workspace.getConfiguration(`${SECTION}.network`).get<string>('hubEndpoint', DEFAULT_HUB_ENDPOINT);
    return typeof value === 'string' && value.trim() ? value.trim().replace(/\/+$/, '') : DEFAULT_HUB_ENDPOINT;
  }
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
