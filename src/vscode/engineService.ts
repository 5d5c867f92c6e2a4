/**
 * The extension's one engine: an EngineClient whose model follows the settings. Errors a writer
 * can act on are shown once (not per keystroke) with "Show Log"; the client restarts a crashed
 * worker by itself.
 */
import * as vscode from 'vscode';
import { join, resolve } from 'node:path';
import { EngineClient, EngineRequestError, type EngineLogger, type EngineState } from '../client/engineClient';
import { defaultModel, dtypeFor } from '../engine/modelLocator';
import type { ModelSpec } from '../engine/protocol';
import { guarded } from './logger';
import { modelSettings, SECTION } from './settings';

export class EngineService implements vscode.Disposable {
  readonly client: EngineClient;
  private readonly shownErrors = new Set<string>();
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
    if (fellBack) this.logger.warn(`inkling.model.dtype is "${s.dtype}", but ${dir} has no ${s.dtype} weights: using ${dtype}.`);
    return { dir, dtype, threads: s.threads };
  }

  private applyModelSettings(): void {
    const spec = this.resolveModel();
    if (!spec) {
      this.reportOnce('Inkling has no model: its own model is missing from the extension. Choose a model folder with "Inkling: Choose Model".');
      return;
    }
    this.shownErrors.clear();
    this.client.setModel(spec);
    this.logger.info(`Model: ${spec.dir} (${spec.dtype})`);
  }

  /** Shows an actionable error once per distinct message; cancellations are never errors. */
  reportOnce(message: string): void {
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    this.logger.error(message);
    void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
      if (choice === 'Show Log') this.showLog();
    });
  }

  /** Routes a failed request: model and crash errors to the writer (once), the rest to the log. */
  reportError(e: unknown): void {
    if (e instanceof EngineRequestError) {
      if (e.code === 'worker-crashed' || e.code.startsWith('model-') || e.code === 'no-model' || e.code === 'protocol-mismatch') this.reportOnce(e.message);
      else this.logger.warn(e.message);
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
