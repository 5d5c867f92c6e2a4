/**
 * The worker child process: owns the model and runs one job at a time. The extension host
 * (or the CLI) talks to it over Node's IPC channel with the messages in protocol.ts.
 */
import type { HostMessage, ModelSpec, WorkerMessage } from './protocol';
import type { FormConstraint, GenerateParams } from '../common/generation';
import { formContextOf } from '../writing/verse/scheme/schemeHabit';
import { isHostMessage, PROTOCOL_VERSION, sameModelSpec } from './protocol';
import { LanguageModel } from './model/languageModel';
import { cacheBytes } from './model/kvCache';
import { checkModelFolder, EngineError } from './model/modelFolder';
import { Generator } from './decode/generator';
import { FormResources } from './form/formResources';
import { FormSteering } from './form/formSteering';
import { ParagraphSteering } from './form/paragraphSteering';
import { splitPromptEnd } from '../writing/prompts/text/promptEnd';
import { isCjkText } from '../writing/verse/chinese/cjkText';
import { analyzePoemForm } from '../writing/verse/poem/poemForm';
import { lengthBand } from '../writing/verse/lines/linePlan';
import { lineCandidatesFor, writeLinesByChoice } from './form/linesByChoice';
import { IdleCollection } from './idleCollection';
import { loadTrim, trimHeap } from './memoryTrim';
import { readFileSync } from 'node:fs';
import { bundleTranslator, msg, setTranslator } from '../common/message';

// The writer's language: the host names the l10n bundle VS Code loaded for it (none: English).
const bundle = process.env.INKLING_L10N_BUNDLE;
if (bundle) {
  try {
    setTranslator(bundleTranslator(JSON.parse(readFileSync(bundle, 'utf8')) as unknown));
  } catch (e) {
    process.nextTick(() => log('warn', `The l10n bundle ${bundle} could not be read (${(e as Error).message}); messages stay in English.`));
  }
}

interface Job {
  id: number;
  caller: string | undefined;
  cancelled: boolean;
  /** Tokens generated when the cancel arrived, to report how quickly it took effect. */
  cancelledAt?: number;
  run(job: Job): Promise<void>;
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function log(level: 'info' | 'warn' | 'error' | 'debug', message: string): void {
  send({ type: 'log', level, message });
}

let model: LanguageModel | null = null;
let generator: Generator | null = null;
let formResources: FormResources | null = null;
const queue: Job[] = [];
let running: Job | null = null;

/**
 * What the passes left for the collector, collected before the next pass once it reaches 16 MiB
 * (LanguageModel's `collectOutgrown`): each pass's outputs (a 135M model's ~240 KB a token, so a
 * collection every ~70 tokens; Inkling's own model's 22 KB, every ~750), a cache let go for a
 * prompt that shares nothing with it (a 135M model's Continue window, ~28 MB), and buffers grown
 * by copying past 4,096 positions. Key/value buffers otherwise grow in place (kvCache.ts). A
 * collection costs 6–20 ms.
 */
const OUTGROWN_COLLECT_BYTES = 16 * 2 ** 20;

/** Full collections once idle, after a load, its first generation and caches let go (idleCollection.ts). */
const collection = new IdleCollection();
function collectIfIdle(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || collection.reason(process.memoryUsage().arrayBuffers) === null) {
    trimIfIdle();
    return;
  }
  setImmediate(() => {
    const why = running || queue.length > 0 ? null : collection.reason(process.memoryUsage().arrayBuffers);
    if (!why) return;
    const started = performance.now();
    gc();
    model?.forgetOutgrown();
    collection.collected(why, process.memoryUsage().arrayBuffers);
    trimNow();
    log('debug', `Collected the garbage left by ${why} in ${Math.round(performance.now() - started)} ms.`);
  });
}

/**
 * glibc's free heap pages go back to the system (memoryTrim.ts; nothing where the helper is
 * absent): after each collection; between requests at most once a second; and inside a request
 * that has run a quarter of a second, before a pass, at most every quarter second. What ONNX
 * Runtime freed would otherwise stay resident behind a block at the heap's top, and a Continue or
 * an alternatives batch frees and allocates a prompt's activations many times over. A ghost
 * request (10–150 ms) does not wait for a trim.
 */
const TRIM_INTERVAL_MS = 1000;
const TRIM_IN_REQUEST_MS = 250;
let lastTrim = 0;
let requestStarted = 0;
const trimDue = () => performance.now() - lastTrim >= TRIM_INTERVAL_MS && loadTrim() !== null;
function trimNow(): void {
  const started = performance.now();
  const released = trimHeap();
  lastTrim = performance.now();
  if (released) log('debug', `Gave free heap pages back to the system in ${Math.round(lastTrim - started)} ms.`);
}
function trimInRequest(): void {
  const now = performance.now();
  if (now - requestStarted >= TRIM_IN_REQUEST_MS && now - lastTrim >= TRIM_IN_REQUEST_MS) trimNow();
}
function trimIfIdle(): void {
  if (!trimDue()) return;
  setImmediate(() => {
    if (!running && queue.length === 0 && trimDue()) trimNow();
  });
}

/** The spec the loaded model was asked for (its own `spec` differs after a fall-back to the standard graph). */
let loadedSpec: ModelSpec | null = null;

async function loadModel(job: Job, spec: ModelSpec): Promise<void> {
  if (model && loadedSpec && sameModelSpec(loadedSpec, spec)) {
    send({ type: 'loaded', id: job.id, model: describe(model) });
    return;
  }
  // A wrong path or precision is reported before the working model is let go.
  checkModelFolder(spec.dir, spec.dtype);
  send({ type: 'state', state: 'loading' });
  const previous = model;
  model = null;
  generator = null;
  formResources = null;
  await previous?.dispose().catch(() => undefined);
  loadedSpec = null;
  try {
    model = await LanguageModel.load(spec, (m) => log('warn', m));
  } catch (e) {
    // The old model is gone and the failed load's garbage with it: collect once idle.
    collection.released();
    throw e;
  }
  loadedSpec = spec;
  generator = new Generator(model);
  collection.loaded(cacheBytes(model.layout, 1, model.contextLength));
  if (loadTrim()) model.beforePass = trimInRequest;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    model.collectOutgrown = {
      bytes: OUTGROWN_COLLECT_BYTES,
      collect: () => {
        const started = performance.now();
        gc();
        trimNow();
        collection.collected('key/value buffers let go', process.memoryUsage().arrayBuffers);
        log('debug', `Collected what the passes left (outputs, caches let go) mid-request in ${Math.round(performance.now() - started)} ms.`);
      },
    };
  }
  log('info', `Loaded ${model.name} (${spec.dtype}, ${model.copyFree ? 'copy-free' : 'transformers.js'} graph ${model.file}, ${spec.threads || 'default'} threads) in ${Math.round(model.loadMs)} ms.`);
  send({ type: 'loaded', id: job.id, model: describe(model) });
}

function describe(m: LanguageModel) {
  return { name: m.name, dir: m.spec.dir, dtype: m.spec.dtype, vocabSize: m.vocabSize, contextLength: m.contextLength, loadMs: Math.round(m.loadMs) };
}

async function generate(job: Job, params: GenerateParams): Promise<void> {
  if (!generator) throw new EngineError('no-model', msg('No model is loaded yet. Choose a model with "Inkling: Choose Model".'));
  send({ type: 'state', state: 'generating' });
  requestStarted = performance.now();
  collection.generating();
  const form = formConstraint(params.form);
  if (form) formResources ??= new FormResources(generator.model);
  // A prose paragraph needs only the vocabulary index; verse, the dictionary (and its rhymes).
  const paragraph = form?.paragraph ? new ParagraphSteering(formResources!.vocabulary(), generator.model.eosIds) : undefined;
  if (form && !paragraph) await formResources!.prepare(form.rhyme === true, isCjkText(params.prompt));
  // The steering reads the prompt as the model does: without a trailing blank (see writing/prompts/text/promptEnd).
  const steeringFor = (p: GenerateParams, f: FormConstraint) => new FormSteering(formResources!.context(), f, splitPromptEnd(p.prompt).text, formContext(p.formContext));
  // A command's verse continuation in a poem with a metre: each line chosen from candidates.
  const candidates = form && !paragraph ? lineCandidatesFor(params, form) : 1;
  const foot = candidates > 1 ? (analyzePoemForm(splitPromptEnd(params.prompt).text, { kind: 'verse' }).metre?.foot ?? null) : null;
  const result =
    form && foot
      ? await writeLinesByChoice(params, form, foot, candidates, {
          line: (line) => {
            const steering = steeringFor(line, line.form!);
            const plan = steering.firstPlan;
            return {
              // The plan's rhyme is null outside rhyme mode, and its target the constraint's override where it has one.
              aim: { partner: plan.rhymeWith, band: line.form!.lineLength !== false && plan.target ? lengthBand(plan.target) : null, head: steering.head },
              write: (p) => generator!.generate(p, { isCancelled: () => job.cancelled, form: steering }),
            };
          },
          isCancelled: () => job.cancelled,
          onText: (text) => send({ type: 'token', id: job.id, text, index: 0 }),
        })
      : await generator.generate(params, {
          isCancelled: () => job.cancelled,
          onToken: (text, index) => send({ type: 'token', id: job.id, text, index }),
          form: paragraph ?? (form ? steeringFor(params, form) : undefined),
        });
  if (job.cancelled) {
    result.stopReason = 'cancelled';
    result.stats.tokensAfterCancel = Math.max(0, result.stats.newTokens - (job.cancelledAt ?? 0));
  }
  send({ type: 'done', id: job.id, result });
}

/** A request's document before the cursor, for form planning: its end (FORM_CONTEXT_CHARS at most), or none when it is not a string. */
function formContext(raw: unknown): string | undefined {
  return typeof raw === 'string' && raw ? formContextOf(raw) : undefined;
}

/** The form constraint with only well-typed fields, or undefined for none. */
function formConstraint(raw: unknown): FormConstraint | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const form: FormConstraint = {};
  if (r.paragraph === true) form.paragraph = true;
  for (const key of ['lineLength', 'stanzas', 'rhyme'] as const) if (typeof r[key] === 'boolean') form[key] = r[key];
  if (typeof r.firstLineLength === 'number' && r.firstLineLength > 0 && r.firstLineLength < 200) form.firstLineLength = r.firstLineLength;
  if (typeof r.firstLineRhyme === 'string' || r.firstLineRhyme === null) form.firstLineRhyme = r.firstLineRhyme;
  if (typeof r.lines === 'number' && r.lines >= 1) form.lines = Math.floor(r.lines);
  if (r.chorus === 'repeat' || r.chorus === 'vary' || r.chorus === 'off') form.chorus = r.chorus;
  if (typeof r.lineCandidates === 'number' && r.lineCandidates >= 1 && r.lineCandidates <= 8) form.lineCandidates = Math.floor(r.lineCandidates);
  return form;
}

async function pump(): Promise<void> {
  if (running) return;
  const job = queue.shift();
  if (!job) return;
  running = job;
  try {
    await job.run(job);
  } catch (e) {
    const err = e instanceof EngineError ? e : new EngineError('generation-failed', msg('Generation failed: {0}', (e as Error)?.message ?? String(e)));
    if (!(e instanceof EngineError)) log('error', (e as Error)?.stack ?? String(e));
    send({ type: 'error', id: job.id, code: err.code, message: err.message });
  } finally {
    running = null;
    if (model && queue.length === 0) send({ type: 'state', state: 'ready' });
    if (queue.length === 0) collectIfIdle();
    void pump();
  }
}

function cancelled(id: number): void {
  const result = { text: '', stopReason: 'cancelled' as const, meanLogProb: 0, stats: { promptTokens: 0, reusedTokens: 0, newTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, tokensPerSecond: 0, seed: 0, model: model?.name ?? '' } };
  send({ type: 'done', id, result });
}

function cancelRunning(): void {
  if (!running || running.cancelled) return;
  running.cancelled = true;
  running.cancelledAt = generator?.progress ?? 0;
}

function enqueue(job: Job): void {
  if (job.caller !== undefined) {
    // Latest request wins: a queued request from the same caller is answered as cancelled,
    // a running one stops at its next token.
    for (let i = queue.length - 1; i >= 0; i--) {
      const old = queue[i]!;
      if (old.caller === job.caller) {
        queue.splice(i, 1);
        cancelled(old.id);
      }
    }
    if (running && running.caller === job.caller) cancelRunning();
  }
  queue.push(job);
  void pump();
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'hello':
      send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, pid: process.pid });
      return;
    case 'shutdown':
      process.exit(0);
    // falls through (exit never returns)
    case 'cancel': {
      if (running?.id === message.id) cancelRunning();
      const i = queue.findIndex((j) => j.id === message.id);
      if (i >= 0) {
        queue.splice(i, 1);
        cancelled(message.id);
      }
      return;
    }
    case 'load':
      enqueue({ id: message.id, caller: '__load', cancelled: false, run: (job) => loadModel(job, message.model) });
      return;
    case 'generate':
      enqueue({ id: message.id, caller: message.params.caller, cancelled: false, run: (job) => generate(job, message.params) });
      return;
    case 'tokenize':
      if (!model) send({ type: 'error', id: message.id, code: 'no-model', message: 'No model is loaded yet.' });
      else send({ type: 'tokens', id: message.id, count: model.encode(message.text).length });
      return;
  }
}

process.on('message', (raw: unknown) => {
  if (!isHostMessage(raw)) {
    log('warn', `Ignored a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
    send({ type: 'error', id, code: 'bad-request', message: 'The worker received a malformed request.' });
    return;
  }
  handle(raw);
});

// The host going away (crash, reload) must not leave an orphaned model in memory.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (e) => log('error', `Unhandled rejection in the worker: ${(e as Error)?.stack ?? String(e)}`));
