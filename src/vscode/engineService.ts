/**
 * The extension's one engine: an EngineClient whose model follows the settings. Errors a writer
 * can act on are shown once (not per keystroke) with "Show Log"; the client restarts a crashed
 * worker by itself.
 */
import * as vscode from 'vscode';
import { join, resolve } from 'node:path';
import { EngineClient, EngineRequestError, errorReport, type EngineLogger, type EngineState, type GenerateOptions } from '../client/engineClient';
import { defaultModel, dtypeFor } from '../engine/modelLocator';
import type { ModelSpec } from '../engine/protocol';
import type { GenerateParams, GenerationResult } from '../common/generation';
import { guarded } from './logger';
import { modelSettings, SECTION } from './settings';

export class EngineService implements vscode.Disposable {
  readonly client: EngineClient;
  private readonly shownErrors = new Set<string>();
  private lastFallback = '';
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stateEmitter = new vscode.EventEmitter<{ state: EngineState; detail?: string }>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly logger: EngineLogger,
    private readonly showLog: () => void,
  ) {
    this.client = new EngineClient({ workerPath: join(extensionPath, 'dist', 'worker.js'), logger });
    this.client.on('state', (state: EngineState, detail?: string) => {
      this.stateEmitter.fire({ state, detail });
      if (state === 'error' && detail) this.reportOnce(detail);
    });
    this.applyModelSettings();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration(
        guarded(logger, 'Applying the model settings', (e: vscode.ConfigurationChangeEvent) => {
          if (e.affectsConfiguration(`${SECTION}.model`)) this.applyModelSettings();
        }),
      ),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.applyModelSettings()),
    );
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
    return { dir, dtype, threads: s.threads };
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
      this.reportOnce('Inkling has no model: its own model is missing from the extension. Choose a model folder with "Inkling: Choose Model".');
      return null;
    }
    const before = this.client.wantedModel;
    if (!before || !sameModel(before, spec)) {
      this.shownErrors.clear();
      this.logger.info(`Model: ${spec.dir} (${spec.dtype})`);
    }
    this.client.setModel(spec);
    return spec;
  }

  private applyModelSettings(): void {
    const before = this.client.wantedModel;
    const spec = this.followSettings();
    // A fixed setting brings Inkling back at once (the status bar leaves "error" without waiting
    // for a keystroke), and a model already in use is replaced now rather than on the next request.
    if (spec && before && !sameModel(before, spec) && (this.client.state === 'error' || this.client.model)) {
      void this.client.load().catch((e: unknown) => this.reportError(e));
    }
  }

  /** Every request goes through here, so it always runs on the model the settings name now. */
  generate(params: GenerateParams, options?: GenerateOptions): Promise<GenerationResult> {
    this.followSettings();
    return this.client.generate(params, options);
  }

  /** Restart Model Worker: a fresh worker with the model the settings name now. */
  async restart(): Promise<void> {
    this.followSettings();
    await this.client.restart();
  }

  /** Shows an actionable error once per distinct message; cancellations are never errors. */
  reportOnce(message: string, options: { logged?: boolean } = {}): void {
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    if (!options.logged) this.logger.error(message);
    void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
      if (choice === 'Show Log') this.showLog();
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
    void this.client.dispose();
  }
}

function sameModel(a: ModelSpec, b: ModelSpec): boolean {
  return a.dir === b.dir && a.dtype === b.dtype && a.threads === b.threads;
}
