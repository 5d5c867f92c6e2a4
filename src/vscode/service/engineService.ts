/**
 * The extension's engine: Inkling's own worker (an EngineClient whose model follows the
 * settings) or, when the writer chose one in their own settings, a server engine. Everything
 * that writes goes through `generate`, so it always runs on the engine and model the settings
 * name now. Errors a writer can act on are shown once (not per keystroke) with "Show Log"; the
 * client restarts a crashed worker by itself, and a server is tried again on the next request.
 */
import * as vscode from 'vscode';
import { basename, join, resolve } from 'node:path';
import { EngineClient, EngineRequestError, errorReport, type EngineLogger, type EngineState, type GenerateOptions } from '../../client/engineClient';
import { ServerEngine } from '../../client/server/serverEngine';
import type { WritingEngine } from '../../client/writingEngine';
import type { EngineCapabilities, EngineDescription } from '../../common/generation';
import type { ServerSettings } from '../../writing/settings/serverSettings';
import { defaultModel, dtypeFor } from '../../engine/model/modelLocator';
import { sameModelSpec, type ModelDtype, type ModelSpec } from '../../engine/protocol';
import { PreparedGraphs } from '../../client/preparedGraphs';
import { UNFAMILIAR_SCRIPT, type GenerateParams, type GenerationResult } from '../../common/generation';
import { guarded } from './logger';
import type { StoryNotes } from '../storyNotes';
import { modelSettings, SECTION, serverSettings } from './settings';

/** Where the server's API key is kept in VS Code's secret storage, per server origin. */
export function apiKeySecret(url: string): string {
  return `inkling.server.apiKey:${new URL(url).origin}`;
}

export class EngineService implements vscode.Disposable {
  readonly client: EngineClient;
  private readonly shownErrors = new Set<string>();
  private lastFallback = '';
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stateEmitter = new vscode.EventEmitter<{ state: EngineState; detail?: string }>();
  readonly onDidChangeState = this.stateEmitter.event;

  /** The server engine, while the writer's settings choose a server. */
  private server: { engine: ServerEngine; settings: ServerSettings; stop: () => void } | null = null;
  /** Why the chosen server cannot be used (its settings), or null. */
  private serverProblem: string | null = null;
  private readonly warnedWorkspace = new Set<string>();
  /** Models the writer has been told do not know a text's script (once each a session). */
  private readonly toldUnfamiliar = new Set<string>();
  /** Adds the story notes a request's text calls for (set by the extension). */
  storyNotes?: StoryNotes;

  /** Copy-free graphs written for folders the writer chose (Inkling's storage). */
  private readonly prepared: PreparedGraphs | null;
  /** Folders (and precisions) this session has tried to prepare: one try each, whatever came of it. */
  private readonly tried = new Set<string>();
  /** resolveModel runs on every request: what the storage said, for a few seconds. */
  private graphLookup: { key: string; graph: string | undefined; at: number } | null = null;

  constructor(
    private readonly extensionPath: string,
    private readonly logger: EngineLogger,
    private readonly showLog: () => void,
    private readonly secrets?: vscode.SecretStorage,
    storagePath?: string,
  ) {
    this.prepared = storagePath ? new PreparedGraphs(join(storagePath, 'prepared-graphs')) : null;
    // The worker's own messages (a model it cannot load) in the writer's language.
    const bundle = vscode.l10n.uri?.scheme === 'file' ? { INKLING_L10N_BUNDLE: vscode.l10n.uri.fsPath } : undefined;
    this.client = new EngineClient({ workerPath: join(extensionPath, 'dist', 'worker.js'), logger, env: bundle });
    this.client.on('state', (state: EngineState, detail?: string) => {
      if (this.server) return;
      this.stateEmitter.fire({ state, detail });
      if (state === 'error' && detail) this.reportOnce(detail);
    });
    this.applyModelSettings();
    this.followEngineSettings();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration(
        guarded(logger, 'Applying the model settings', (e: vscode.ConfigurationChangeEvent) => {
          if (e.affectsConfiguration(`${SECTION}.model`)) this.applyModelSettings();
          if (e.affectsConfiguration(`${SECTION}.engine`) || e.affectsConfiguration(`${SECTION}.server`)) this.followEngineSettings();
        }),
      ),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.applyModelSettings()),
    );
  }

  /** The engine that writes now. */
  get current(): WritingEngine {
    return this.server?.engine ?? this.client;
  }

  /** Which writes: Inkling's worker, or a server the writer chose (before it is first asked, too). */
  get writer(): 'worker' | 'server' {
    return this.server ? 'server' : 'worker';
  }

  get state(): EngineState {
    return this.serverProblem ? 'error' : this.current.state;
  }

  /** What writes: the worker's model, or the server found (kind, version, model, context). */
  get description(): EngineDescription | null {
    return this.current.description;
  }

  get capabilities(): EngineCapabilities {
    return this.current.capabilities;
  }

  /** The model's name as the engine reports it (for the provenance log and the status bar). */
  get modelName(): string | undefined {
    return this.current.description?.model ?? this.client.model?.name;
  }

  /**
   * Switches between the worker and a server as the writer's own settings say. Choosing a
   * server makes no request by itself: the server is first asked on the next request (or by
   * Restart). The worker is stopped while a server writes, and starts again when it is needed.
   */
  private followEngineSettings(): void {
    const { checked, ignoredFromWorkspace } = serverSettings();
    for (const key of ignoredFromWorkspace) {
      if (this.warnedWorkspace.has(key)) continue;
      this.warnedWorkspace.add(key);
      this.logger.warn(`${key} is set in this workspace's settings: ignored. Only your user settings can send your text to a server.`);
    }
    for (const p of checked.problems) this.reportOnce(vscode.l10n.t('Inkling setting: {0}', p));
    const wanted = checked.engine === 'server' && 'server' in checked && checked.server ? checked.server : null;
    this.serverProblem = checked.engine === 'server' && 'error' in checked ? checked.error : null;
    const same = this.server && wanted && this.server.settings.url === wanted.url && this.server.settings.kind === wanted.kind && this.server.settings.model === wanted.model;
    if (same) return;
    if (this.server) {
      this.server.stop();
      void this.server.engine.dispose();
      this.server = null;
    }
    if (this.serverProblem) {
      this.stateEmitter.fire({ state: 'error', detail: this.serverProblem });
      this.reportOnce(this.serverProblem);
      return;
    }
    if (!wanted) {
      this.stateEmitter.fire({ state: this.client.state });
      return;
    }
    const engine = new ServerEngine({ url: wanted.url, kind: wanted.kind, model: wanted.model, logger: this.logger, apiKey: () => Promise.resolve(this.secrets?.get(apiKeySecret(wanted.url))) });
    const stop = engine.onStateChange((state, detail) => {
      this.stateEmitter.fire({ state, detail });
      // A server that answers again may be reported again when it next fails.
      if (state === 'ready') for (const m of [...this.shownErrors]) if (m.includes(engine.where)) this.shownErrors.delete(m);
    });
    this.server = { engine, settings: wanted, stop };
    this.logger.info(`Engine: the server at ${wanted.url} (${wanted.kind === 'auto' ? 'kind detected on first use' : wanted.kind})${wanted.model ? `, model ${wanted.model}` : ''}.`);
    // The worker's memory is not needed while a server writes.
    void this.client.stop();
    this.stateEmitter.fire({ state: engine.state });
  }

  /** The model the settings ask for, or the default one shipped with the extension. */
  resolveModel(): ModelSpec | null {
    const s = modelSettings();
    const dir = s.path ? resolve(s.path) : defaultModel(this.extensionPath)?.dir;
    if (!dir) return null;
    const { dtype, fellBack } = dtypeFor(dir, s.dtype);
    const warning = fellBack ? `inkling.model.dtype is "${s.dtype}", but ${dir} has no ${s.dtype} weights: using ${dtype}.` : '';
    if (warning && warning !== this.lastFallback) this.logger.warn(warning);
    this.lastFallback = warning;
    const spec: ModelSpec = { dir, dtype, threads: s.threads };
    const graph = s.prepareFastGraph ? this.preparedGraph(dir, dtype) : undefined;
    if (graph) spec.graph = graph;
    return spec;
  }

  /** The prepared copy-free graph for a chosen folder, starting its preparation when it has none yet. */
  private preparedGraph(dir: string, dtype: ModelDtype): string | undefined {
    const key = `${dir}\n${dtype}`;
    const now = Date.now();
    if (this.graphLookup?.key === key && now - this.graphLookup.at < 10_000) return this.graphLookup.graph;
    let graph: string | undefined;
    if (this.prepared?.wanted(dir, dtype)) {
      graph = this.prepared.find(dir, dtype) ?? undefined;
      // Not while a server writes: the worker is not in use then.
      if (!graph && !this.server && !this.tried.has(key) && !this.prepared.settled(dir, dtype)) this.prepareInBackground(dir, dtype, key);
    }
    this.graphLookup = { key, graph, at: now };
    return graph;
  }

  /**
   * Writes the copy-free graph of a folder the writer chose into Inkling's storage, while the
   * folder's own graph keeps serving; then the model is loaded again with it. Once per version of
   * the folder's weights (a graph that does not fit is noted and left).
   */
  private prepareInBackground(dir: string, dtype: ModelDtype, key: string): void {
    if (!this.prepared) return;
    this.tried.add(key);
    const prepared = this.prepared;
    const started = Date.now();
    void vscode.window
      .withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Inkling: preparing a faster graph for {0}', basename(dir)) }, () => prepared.prepare(dir, dtype))
      .then(
        (record) => {
          this.graphLookup = null;
          if ('file' in record) {
            this.logger.info(`Prepared a copy-free graph for ${dir} (${dtype}) in ${Date.now() - started} ms: ${record.file} (last position taken at ${record.cutAt}).`);
            this.applyModelSettings();
          } else this.logger.info(`${dir} (${dtype}) keeps its own graph: ${record.skipped}.`);
        },
        // A full or read-only disk: the folder's own graph serves; a later session tries again.
        (e: unknown) => this.logger.warn(`Could not prepare a faster graph for ${dir}: ${(e as Error).message}`),
      );
  }

  /**
   * Points the client at the model the settings name now. Called on every request as well as on
   * configuration events: VS Code can start an extension with a value it later drops without an
   * event (a machine-scoped setting in a remote window), and a writer's fix must take effect
   * whatever VS Code reported. Reading the settings costs microseconds.
   */
  private followSettings(): ModelSpec | null {
    const spec = this.resolveModel();
    if (!spec) {
      this.reportOnce(vscode.l10n.t('Inkling has no model: its own model is missing from the extension. Choose a model folder with "Inkling: Choose Model".'));
      return null;
    }
    const before = this.client.wantedModel;
    if (!before || !sameModelSpec(before, spec)) {
      this.shownErrors.clear();
      this.logger.info(`Model: ${spec.dir} (${spec.dtype})`);
    }
    this.client.setModel(spec);
    return spec;
  }

  private applyModelSettings(): void {
    this.graphLookup = null;
    this.client.setIdleUnload(modelSettings().unloadAfterMinutes * 60_000);
    const before = this.client.wantedModel;
    const spec = this.followSettings();
    // A fixed setting brings Inkling back at once (the status bar leaves "error" without waiting
    // for a keystroke), and a model already in use is replaced now rather than on the next request.
    if (spec && before && !sameModelSpec(before, spec) && (this.client.state === 'error' || this.client.model)) {
      void this.client.load().catch((e: unknown) => this.reportError(e));
    }
  }

  /** Every request goes through here, so it always runs on the engine and model the settings name now. */
  async generate(params: GenerateParams, options?: GenerateOptions): Promise<GenerationResult> {
    this.followEngineSettings();
    if (this.serverProblem) throw new EngineRequestError('server-settings', this.serverProblem);
    // Story notes for the document the request is for: the same for every engine and caller.
    const { notesText: _notesText, ...request } = this.storyNotes ? await this.storyNotes.forRequest(params) : params;
    let result: GenerationResult;
    if (this.server) result = await this.server.engine.generate(request, options);
    else {
      this.followSettings();
      result = await this.client.generate(request, options);
    }
    this.noteUnfamiliarScript(result);
    return result;
  }

  /**
   * Once a session per model: the model could only spell the text in bytes (it does not know
   * the script), so its suggestions read as noise — the writer is told why, with the way out.
   */
  private noteUnfamiliarScript(result: GenerationResult): void {
    const share = result.stats.spelledInBytes ?? 0;
    const model = result.stats.model;
    if (share < UNFAMILIAR_SCRIPT || this.toldUnfamiliar.has(model)) return;
    this.toldUnfamiliar.add(model);
    const percent = Math.round(share * 100);
    this.logger.info(`${model} spells ${percent} % of the prompt byte by byte: it does not know the text's script.`);
    const choose = vscode.l10n.t('Choose Model');
    const message = vscode.l10n.t('{0} does not know the script of this text: it spells {1} % of it byte by byte, so its suggestions will read as noise. A model that knows the language can be chosen.', model, percent);
    void vscode.window.showInformationMessage(message, choose).then((picked) => {
      if (picked === choose) void vscode.commands.executeCommand('inkling.chooseModel');
    });
  }

  /** Restart Model Worker: a fresh worker with the model the settings name now, or a fresh look at the server. */
  async restart(): Promise<void> {
    this.followEngineSettings();
    if (this.serverProblem) throw new EngineRequestError('server-settings', this.serverProblem);
    if (this.server) {
      await this.server.engine.restart();
      return;
    }
    this.followSettings();
    await this.client.restart();
  }

  /** Shows an actionable error once per distinct message; cancellations are never errors. */
  reportOnce(message: string, options: { logged?: boolean } = {}): void {
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    if (!options.logged) this.logger.error(message);
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message, showLog).then((choice) => {
      if (choice === showLog) this.showLog();
    });
  }

  /** Routes a failed request: model and crash errors to the writer (once), the rest to the log. */
  reportError(e: unknown): void {
    if (e instanceof EngineRequestError) {
      const report = errorReport(e);
      if (report.show) this.reportOnce(e.message, { logged: !report.log });
      else if (report.log) this.logger.warn(e.message);
      return;
    }
    this.logger.error(`Unexpected error: ${(e as Error)?.stack ?? String(e)}`);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.stateEmitter.dispose();
    if (this.server) {
      this.server.stop();
      void this.server.engine.dispose();
    }
    void this.client.dispose();
  }
}

