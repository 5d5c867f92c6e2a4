/**
 * The host side of the engine: spawns the worker lazily, correlates requests by id, turns an
 * AbortSignal into `cancel`, rejects everything pending when the worker dies and restarts it
 * with backoff. Used by the extension and the CLI alike; it never imports `vscode`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { HostMessage, ModelInfo, ModelSpec, WorkerMessage } from '../engine/protocol';
import type { EngineCapabilities, EngineDescription, EngineState, GenerateParams, GenerationResult } from '../common/generation';
import { cancelledResult, EngineRequestError, SILENT_LOGGER, type EngineLogger, type GenerateOptions, type WritingEngine } from './writingEngine';
import { PROTOCOL_VERSION, sameModelSpec } from '../engine/protocol';
import { WORKER_FLAGS, workerEnvironment } from './workerLaunch';
import { msg } from '../common/message';

export { EngineRequestError, errorReport, type EngineLogger, type EngineState, type GenerateOptions, type TextGenerator } from './writingEngine';

/** What the worker can do: every sampler, form-keeping in the decode loop, batches, token probabilities (one sample at a time); no grammars. */
export const LOCAL_CAPABILITIES: EngineCapabilities = {
  grammar: false,
  logitSteering: true,
  tokenProbabilities: true,
  batch: true,
  samplers: ['temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'noRepeatNgramSize', 'seed', 'beam', 'stopStrings'],
};

export interface EngineClientOptions {
  /** Absolute path of the bundled worker script (dist/worker.js). */
  workerPath: string;
  logger?: EngineLogger;
  /** Delays before successive automatic restarts after a crash; past the last, give up until asked again. */
  restartDelaysMs?: number[];
  /** Extra environment for the worker. */
  env?: NodeJS.ProcessEnv;
  handshakeTimeoutMs?: number;
  /** Stop the worker (and free its memory) after this long without a request; 0 or absent: never. */
  idleUnloadMs?: number;
  /** Node/V8 flags for the worker (absent: `WORKER_FLAGS`). */
  execArgv?: string[];
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onToken?: (text: string) => void;
}


export class EngineClient extends EventEmitter implements WritingEngine {
  readonly capabilities = LOCAL_CAPABILITIES;
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Ids of generate requests whose caller still waits for them. */
  private readonly generating = new Set<number>();
  /** Workers stopped on purpose: their exit is not a crash. */
  private readonly retired = new WeakSet<ChildProcess>();
  private nextId = 1;
  private loadedSpec: ModelSpec | null = null;
  private loadedInfo: ModelInfo | null = null;
  private loading: Promise<ModelInfo> | null = null;
  private loadingSpec: ModelSpec | null = null;
  private wantedSpec: ModelSpec | null = null;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private idleMs = 0;
  private disposed = false;
  private _state: EngineState = 'stopped';
  private readonly log: EngineLogger;

  constructor(private readonly options: EngineClientOptions) {
    super();
    this.log = options.logger ?? SILENT_LOGGER;
    this.idleMs = options.idleUnloadMs ?? 0;
  }

  /**
   * Gives the worker's memory back after `ms` without a request (0: never): the process stops,
   * and the next request starts it and loads the model again (the state says so meanwhile).
   */
  setIdleUnload(ms: number): void {
    this.idleMs = Math.max(0, ms);
    this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.idleMs <= 0 || !this.child || this.pending.size > 0 || this.disposed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.pending.size > 0 || !this.child) return;
      const minutes = Math.round(this.idleMs / 6000) / 10;
      this.log.info(`No request for ${minutes} minutes: the model worker stops to free its memory; the next request starts it again.`);
      void this.stop().then(() => this.setState('stopped', `unloaded after ${minutes} minutes without a request; it loads again on the next one`));
    }, this.idleMs);
    // An idle timer never keeps a process (the CLI, a test) alive.
    this.idleTimer.unref();
  }

  get state(): EngineState {
    return this._state;
  }

  get model(): ModelInfo | null {
    return this.loadedInfo;
  }

  get description(): EngineDescription | null {
    const m = this.loadedInfo;
    return m ? { kind: 'local', model: m.name, contextLength: m.contextLength, detail: `${m.dir} (${m.dtype})` } : null;
  }

  onStateChange(listener: (state: EngineState, detail?: string) => void): () => void {
    this.on('state', listener);
    return () => this.off('state', listener);
  }

  async prepare(): Promise<EngineDescription> {
    await this.load();
    return this.description!;
  }

  /** Generations asked for and neither answered nor given up by their caller (for tests and diagnostics). */
  get inFlight(): number {
    return this.generating.size;
  }

  /** The worker's process id, for tests and diagnostics. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private setState(state: EngineState, detail?: string): void {
    if (this._state === state && !detail) return;
    this._state = state;
    this.emit('state', state, detail);
  }

  /** Chooses the model; it is loaded on the next request (or now, with `load`). */
  setModel(spec: ModelSpec): void {
    this.wantedSpec = spec;
  }

  /** The model chosen (loaded or not). */
  get wantedModel(): ModelSpec | null {
    return this.wantedSpec;
  }

  async load(spec?: ModelSpec): Promise<ModelInfo> {
    if (spec) this.wantedSpec = spec;
    const wanted = this.wantedSpec;
    if (!wanted) throw new EngineRequestError('no-model', msg('No model chosen. Choose one with "Inkling: Choose Model".'));
    if (this.loadedSpec && sameModelSpec(this.loadedSpec, wanted) && this.loadedInfo && this.child) return this.loadedInfo;
    if (this.loading) {
      if (this.loadingSpec && sameModelSpec(this.loadingSpec, wanted)) return this.loading;
      // Another model was asked for meanwhile: let that load end, then load this one.
      await this.loading.catch(() => undefined);
      return this.load();
    }
    this.loadingSpec = wanted;
    this.loading = (async () => {
      try {
        const info = (await this.request({ type: 'load', id: 0, model: wanted })) as ModelInfo;
        this.loadedSpec = wanted;
        this.loadedInfo = info;
        return info;
      } catch (e) {
        // The worker may have let the previous model go: load again on the next request.
        this.loadedSpec = null;
        this.loadedInfo = null;
        throw e;
      } finally {
        this.loading = null;
        this.loadingSpec = null;
      }
    })();
    return this.loading;
  }

  async generate(params: GenerateParams, options: GenerateOptions = {}): Promise<GenerationResult> {
    if (options.signal?.aborted) return cancelledResult();
    await this.load();
    if (options.signal?.aborted) return cancelledResult();
    return (await this.request({ type: 'generate', id: 0, params }, options)) as GenerationResult;
  }

  async countTokens(text: string): Promise<number> {
    await this.load();
    return (await this.request({ type: 'tokenize', id: 0, text })) as number;
  }

  private async request(message: HostMessage & { id: number }, options: GenerateOptions = {}): Promise<unknown> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const child = await this.ensureWorker();
    const id = this.nextId++;
    const sent = { ...message, id } as HostMessage;
    if (message.type === 'generate') this.generating.add(id);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.generating.delete(id);
        this.post(child, { type: 'cancel', id });
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          this.generating.delete(id);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          this.generating.delete(id);
          options.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        // Tokens already on their way when the caller aborted are not delivered: after abort()
        // the caller hears only the result.
        onToken: options.onToken && ((text: string) => void (options.signal?.aborted || options.onToken!(text))),
      });
      this.post(child, sent);
    });
  }

  private post(child: ChildProcess, message: HostMessage): void {
    if (child.connected) child.send(message);
  }

  private ensureWorker(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new EngineRequestError('worker-crashed', msg('The engine was shut down.')));
    if (this.child?.connected) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private spawn(): Promise<ChildProcess> {
    this.setState('starting');
    const started = Date.now();
    // process.execPath is Node here and Electron inside desktop VS Code; ELECTRON_RUN_AS_NODE makes both run the script as Node.
    const execArgv = this.options.execArgv ?? [...WORKER_FLAGS];
    const child = fork(this.options.workerPath, [], {
      execPath: process.execPath,
      execArgv,
      env: workerEnvironment(process.env, this.options.env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stdout?.on('data', (d: Buffer) => this.log.debug(`[worker] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => this.log.warn(`[worker] ${d.toString().trimEnd()}`));
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new EngineRequestError('worker-crashed', msg('The Inkling worker did not start in time.')));
      }, this.options.handshakeTimeoutMs ?? 20000);
      child.on('message', (raw: WorkerMessage) => {
        if (raw.type === 'hello') {
          clearTimeout(timeout);
          if (raw.protocolVersion !== PROTOCOL_VERSION) {
            child.kill();
            const mismatch = msg('The Inkling worker speaks protocol {0}, this extension {1}. Reinstall Inkling.', raw.protocolVersion, PROTOCOL_VERSION);
            this.setState('error', mismatch);
            reject(new EngineRequestError('protocol-mismatch', mismatch));
            return;
          }
          this.child = child;
          this.log.info(`Worker ${raw.pid} started in ${Date.now() - started} ms.`);
          this.setState('ready');
          resolve(child);
          return;
        }
        this.onMessage(raw);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timeout);
        this.onExit(child, code, signal);
        reject(new EngineRequestError('worker-crashed', msg('The Inkling worker exited while starting ({0}).', String(signal ?? code))));
      });
      child.on('error', (e) => this.log.error(`Worker process error: ${e.message}`));
      child.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION } satisfies HostMessage);
    });
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'state':
        this.setState(message.state);
        return;
      case 'log':
        this.log[message.level](message.message);
        return;
      case 'token':
        this.pending.get(message.id)?.onToken?.(message.text);
        return;
      case 'loaded':
        // A worker that came up and loaded its model is healthy: crashes before this one were not "in a row".
        this.crashes = 0;
        this.settle(message.id, (p) => p.resolve(message.model));
        return;
      case 'done':
        this.crashes = 0;
        this.settle(message.id, (p) => p.resolve(message.result));
        return;
      case 'tokens':
        this.settle(message.id, (p) => p.resolve(message.count));
        return;
      case 'error':
        if (message.id === null) {
          this.log.warn(message.message);
          return;
        }
        if (message.code.startsWith('model-')) this.setState('error', message.message);
        this.settle(message.id, (p) => p.reject(new EngineRequestError(message.code, message.message)));
        return;
      case 'hello':
        return;
    }
  }

  private settle(id: number, action: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.pending.size === 0 && this._state === 'generating') this.setState('ready');
    action(p);
    if (this.pending.size === 0) this.armIdle();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.retired.has(child) || (this.child !== child && this.child !== null)) return;
    this.child = null;
    this.loadedSpec = null;
    this.loadedInfo = null;
    const error = new EngineRequestError('worker-crashed', signal ? msg('The Inkling worker stopped unexpectedly ({0}). It restarts by itself; see the log for details.', signal) : msg('The Inkling worker stopped unexpectedly (exit code {0}). It restarts by itself; see the log for details.', String(code)));
    error.logged = !this.disposed && !(code === 0 && signal === null);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(error);
    }
    if (this.disposed) {
      this.setState('stopped');
      return;
    }
    if (code === 0 && signal === null) {
      this.setState('stopped');
      return;
    }
    this.crashes++;
    this.log.error(error.message);
    const delays = this.options.restartDelaysMs ?? [250, 1000, 4000, 15000];
    if (this.crashes > delays.length) {
      this.setState('error', `The Inkling worker crashed ${this.crashes} times in a row; it will start again on the next request. See the log.`);
      this.crashes = 0;
      return;
    }
    this.setState('starting', 'restarting after a crash');
    const delay = delays[this.crashes - 1]!;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.wantedSpec && !this.disposed) this.load().catch((e: Error) => this.log.warn(`Restart failed: ${e.message}`));
    }, delay);
  }

  /** Stops the worker (pending requests are rejected) and starts a fresh one with the chosen model. */
  async restart(): Promise<ModelInfo> {
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.retired.add(child);
      this.child = null;
      this.loadedSpec = null;
      this.loadedInfo = null;
      child.kill('SIGKILL');
      await exited;
      const error = new EngineRequestError('worker-crashed', msg('The model worker was restarted.'));
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(error);
      }
    }
    // A load that was running on the old worker has just been rejected: let it end, or the new
    // worker would be handed that failed load instead of a fresh one.
    await this.loading?.catch(() => undefined);
    this.crashes = 0;
    return this.load();
  }

  /** Stops the worker for now (its memory is freed); the next request starts a fresh one. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.retired.add(child);
    this.child = null;
    this.loadedSpec = null;
    this.loadedInfo = null;
    this.post(child, { type: 'shutdown' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    const error = new EngineRequestError('worker-crashed', msg('The model worker was stopped.'));
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(error);
    }
    this.setState('stopped');
  }

  /** Stops the worker; pending requests are rejected. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.post(child, { type: 'shutdown' });
    });
  }
}

