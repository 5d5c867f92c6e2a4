/**
 * A causal language model loaded from a local folder in the Hugging Face layout (the one
 * transformers.js reads): the tokenizer comes from `@huggingface/tokenizers`, the library
 * transformers.js 4 itself encodes and decodes with, and the forward pass runs on an ONNX
 * Runtime session directly so the decode loop controls the KV cache and pays nothing for
 * wrappers on the hot path.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelSpec } from '../protocol';
import { checkModelFolder, EngineError, type ModelConfig } from './modelFolder';
import { msg } from '../../common/message';
import { appendToCache, CACHE_GRANULE, emptyCache, type KvCache, type KvLayout } from './kvCache';
import { LineEncoder } from '../tokens/lineEncoder';
import { releaseTokenizerSources } from '../tokens/tokenizerMemory';
import { tokenBytesReader, Utf8Guard } from '../tokens/utf8Guard';
import { EMBEDDINGS_INPUT, EMBEDDINGS_SUFFIX, EmbeddingRows } from './embeddingRows';

/**
 * Prompt positions a prefill pass takes at most. 64, not 128: `bench/prefillChunkBench.ts`, 12
 * rounds in alternation, the editor's 2,000-character window (529 tokens) on the 135M-shaped
 * graphs, cold: 8-bit 856 / 779 → 713 / 715 ms, 4-bit 2,115 / 2,195 → 1,740 / 1,731 ms; 160 tokens
 * over that window 8-bit 344 / 349 → 279 / 304 ms; Inkling's own model alike (139 vs 149 ms). And
 * a pass of 128 positions now and then lifted the 8-bit worker 45–85 MB until it ended (ONNX
 * Runtime's activations of one pass; a probe of Show Alternatives after ghost text, four runs of
 * four batches each: peaks up to 359 / 381 / 383 / 381 MB against its bound of 345 at 128, at most
 * 315 at 64).
 */
export const PREFILL_CHUNK = 64;

export interface ForwardResult {
  /** Logits of the last position of each row: batch × vocab, row-major. */
  logits: Float32Array;
  cache: KvCache;
}

/**
 * Key/value buffers grow in place up to this many positions a row (kvCache.ts, `appendToCache`);
 * each reserves address space for that many, and a model with a 128K context would reserve
 * gigabytes. Inkling's windows stay far below it; past it a buffer grows by copying.
 */
const RESIZABLE_CACHE_POSITIONS = 4096;

export class LanguageModel {
  readonly layout: KvLayout;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly eosIds: ReadonlySet<number>;
  readonly addsBos: boolean;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
  private readonly hasPositionIds: boolean;
  private readonly takesIds: boolean;
  /**
   * The copy-free layout (models/recipe/export_kvin.py): the cache is only an input, buffers the
   * decode loop owns with a mask over their valid part; the model returns the last position's
   * logits and the new positions' keys and values. Else the transformers.js layout, whose
   * `present.*` outputs are the whole cache again each step.
   */
  readonly copyFree: boolean;
  /**
   * Called before a pass once the bytes left for the collector since the last call reach
   * `bytes`: caches let go, buffers grown by copying (which leave the old behind), and each
   * pass's outputs once read. The worker collects them there and then, rather than when it is
   * next idle or when V8 gets round to it. Buffers grow in place up to RESIZABLE_CACHE_POSITIONS,
   * so a long Continue no longer outgrows its own (on a 135M model it left ~24 MB every 64
   * tokens). Unset: nothing is collected mid-request.
   */
  collectOutgrown: { bytes: number; collect: () => void } | null = null;
  private outgrown = 0;
  /**
   * Called before every pass (after any collection): the worker hands glibc's free heap pages
   * back there, in a request that has run a quarter of a second, at most every quarter second, so
   * a Continue or an alternatives batch does not hold what its earlier passes freed. Unset:
   * nothing between passes.
   */
  beforePass: (() => void) | null = null;

  private readonly newNames: string[];
  /** The special tokens `encode` puts around a text's raw ids (line encoding only). */
  private readonly specials: { before: number[]; after: number[] };

  private constructor(
    readonly name: string,
    readonly spec: ModelSpec,
    private readonly tokenizer: Tokenizer,
    /** Line-by-line encoding with a cache, where the tokenizer allows it (lineEncoder.ts). */
    private lines: LineEncoder | null,
    /** Each token's bytes (null: special), or null when every token is whole characters. */
    private readonly tokenBytes: TokenBytes | null,
    private readonly session: ort.InferenceSession,
    config: ModelConfig,
    readonly loadMs: number,
    /** The ONNX file that runs: `onnx/…` in the folder, or the path of a prepared graph elsewhere. */
    readonly file: string,
    /** A graph that takes `inputs_embeds`: its rows, read from the file beside it (embeddingRows.ts). */
    private readonly embeddings: EmbeddingRows | null = null,
  ) {
    const meta = session.inputMetadata as unknown as { name: string; shape?: (string | number)[] }[];
    this.pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
    this.presentNames = this.pastNames.map((n) => n.replace('past_key_values.', 'present.'));
    this.newNames = this.pastNames.map((n) => n.replace('past_key_values.', 'new_key_values.'));
    this.copyFree = this.newNames.every((n) => session.outputNames.includes(n));
    const first = meta.find((m) => m.name === this.pastNames[0]);
    const shape = first?.shape ?? [];
    const kvHeads = typeof shape[1] === 'number' ? shape[1] : NaN;
    const headDim = typeof shape[3] === 'number' ? shape[3] : NaN;
    if (!this.pastNames.length || !Number.isFinite(kvHeads) || !Number.isFinite(headDim)) {
      throw new EngineError('model-invalid', msg('Model {0} has no key/value cache inputs with fixed head sizes; Inkling needs a decoder exported with past_key_values (the transformers.js layout).', name));
    }
    this.layout = { kvHeads, headDim, tensors: this.pastNames.length };
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.takesIds = session.inputNames.includes('input_ids');
    this.vocabSize = config.vocab_size ?? 0;
    this.contextLength = config.max_position_embeddings ?? 2048;
    const eos = config.eos_token_id;
    this.eosIds = new Set(Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]);
    // With line encoding, special tokens go around the raw ids as the tokenizer puts them around 'a'.
    const full = tokenizer.encode('a').ids;
    const raw = tokenizer.encode('a', { add_special_tokens: false }).ids;
    const at = full.findIndex((_, i) => raw.every((id, j) => full[i + j] === id));
    if (at < 0) this.lines = null;
    this.specials = { before: full.slice(0, Math.max(0, at)), after: full.slice(Math.max(0, at) + raw.length) };
    this.addsBos = full.length > raw.length;
  }

  static async load(spec: ModelSpec, onLoadWarning?: (message: string) => void): Promise<LanguageModel> {
    const started = performance.now();
    const { config, onnxPath } = checkModelFolder(spec.dir, spec.dtype, spec.layout, spec.graph);
    const id = basename(spec.dir);
    const threads = spec.threads > 0 ? spec.threads : defaultThreads();
    let tokenizer: Tokenizer;
    let lines: LineEncoder | null;
    let tokenBytes: TokenBytes | null;
    let session: ort.InferenceSession;
    try {
      ({ tokenizer, lines, tokenBytes } = openTokenizer(spec.dir));
    } catch (e) {
      throw new EngineError('model-invalid', msg("The model's tokenizer could not be read ({0}). The folder may be incomplete: {1}.", firstLine(e), spec.dir));
    }
    // The session is opened from the file itself, not through transformers.js's model class:
    // that path reads the whole file into a JS buffer first and kept ~240 MB more resident for
    // a 135 MB model (measured), and the decode loop only needs the bare session anyway.
    // Without ONNX Runtime's CPU arena: the arena keeps the largest activations a request ever
    // needed (a Continue's 2,000-character prompt, an alternatives batch) for the session's life.
    // bench/workerMemoryBench.ts --commands, paired against the arena, 2026-11-30: Inkling's own
    // model p50 142 / 148 → 136 / 136 MB, peak while working 158 / 160 → 150 / 149 MB (bound 155);
    // the 135M-shaped 4-bit graph with its table outside 291 → 272 MB, peak 321 → 299 MB. Ghost
    // text as fast (modelPairBench, paired: 15.4 / 15.0 vs 15.5 / 14.6 ms p50 on Inkling's own
    // model, 104.3 vs 103.7 ms on the 135M-shaped one).
    const open = (file: string) => ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableCpuMemArena: false });
    // A copy-free graph that will not open (damaged, or a rewrite ONNX Runtime rejects), or opens
    // and fails its first run (a kernel or a shape rejected only then), must not cost the writer
    // the model: the folder's transformers.js graph runs instead, loaded afresh.
    const standard = standardGraph(spec);
    const fallBack = standard !== null && standard !== onnxPath;
    const instead = (why: string) => {
      onLoadWarning?.(`The copy-free graph ${basename(onnxPath)} ${why}; running ${basename(standard!)} instead.`);
      return LanguageModel.load({ ...spec, layout: 'standard' }, onLoadWarning);
    };
    try {
      session = await open(onnxPath);
    } catch (e) {
      if (fallBack) return instead(`could not be loaded (${firstLine(e)})`);
      throw new EngineError('model-load-failed', msg('The model file could not be loaded ({0}). It may be corrupt or not a causal language model: {1}.', firstLine(e), spec.dir));
    }
    let embeddings: EmbeddingRows | null = null;
    if (session.inputNames.includes(EMBEDDINGS_INPUT)) {
      try {
        embeddings = EmbeddingRows.open(onnxPath + EMBEDDINGS_SUFFIX, embedWidth(session));
      } catch (e) {
        await session.release().catch(() => undefined);
        if (fallBack) return instead(`has no usable ${basename(onnxPath)}${EMBEDDINGS_SUFFIX} (${firstLine(e)})`);
        throw new EngineError('model-invalid', msg('The model takes its embeddings from {0}, which could not be read ({1}): {2}.', basename(onnxPath) + EMBEDDINGS_SUFFIX, firstLine(e), spec.dir));
      }
    }
    const inFolder = dirname(onnxPath) === join(spec.dir, 'onnx');
    const model = new LanguageModel(id, spec, tokenizer, lines, tokenBytes, session, config, performance.now() - started, inFolder ? `onnx/${basename(onnxPath)}` : onnxPath, embeddings);
    if (!fallBack || !model.copyFree) return model;
    try {
      await model.forward([[0]], emptyCache(model.layout));
      return model;
    } catch (e) {
      await model.dispose().catch(() => undefined);
      return instead(`failed its first run (${firstLine(e)})`);
    }
  }

  /** Token ids of `text` as the model sees a document start (with BOS where the tokenizer adds one). */
  encode(text: string): number[] {
    if (!this.lines || !text) return this.tokenizer.encode(text).ids;
    return [...this.specials.before, ...this.encodeRaw(text), ...this.specials.after];
  }

  encodeRaw(text: string): number[] {
    if (this.lines) {
      const ids = this.lines.encode(text);
      if (ids) return ids;
      this.lines = null; // a newline merged after all: the whole text, always, from now on
    }
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Whether the graph takes its embeddings as an input, read from the table file beside it (embeddingRows.ts). */
  get takesEmbeddings(): boolean {
    return this.embeddings !== null;
  }

  /** Whether prompts are encoded line by line (lineEncoder.ts), for tests and diagnostics. */
  get encodesByLine(): boolean {
    return this.lines !== null;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids as number[], { skip_special_tokens: true });
  }

  private piecesCache: string[] | null = null;

  /**
   * Each token's text as it reads inside running text: a leading space kept, special tokens
   * empty, a lone byte of a multi-byte character as U+FFFD. Built on first use, for form-keeping
   * decoding, so loading pays nothing (measured: ~18 ms for 512 tokens, ~260 ms for 49K).
   */
  get pieces(): readonly string[] {
    if (this.piecesCache) return this.piecesCache;
    // Decoding a token alone drops the leading space SentencePiece decoders strip from the
    // start of a text, so each is decoded after an anchor token and the anchor's text removed.
    const anchor = this.encodeRaw('a');
    const anchorText = this.decode(anchor);
    const count = Math.max(this.vocabSize, this.tokenizerSize());
    const pieces: string[] = new Array(count);
    for (let id = 0; id < count; id++) {
      const full = this.decode([...anchor, id]);
      pieces[id] = full.startsWith(anchorText) ? full.slice(anchorText.length) : this.decode([id]);
    }
    this.piecesCache = pieces;
    return pieces;
  }

  /**
   * Token ids of `text` as the model would write it after running text (" sky" mid-line), or
   * null when the tokenizer merges it with what comes before.
   */
  encodeContinuation(text: string): number[] | null {
    const anchor = this.encodeRaw('a');
    const ids = this.encodeRaw(`a${text}`);
    for (let i = 0; i < anchor.length; i++) if (ids[i] !== anchor[i]) return null;
    return ids.slice(anchor.length);
  }

  private guardCache: Utf8Guard | null | undefined;

  /**
   * What keeps a continuation valid UTF-8 with this vocabulary (utf8Guard.ts), or null when its
   * tokens are all whole characters. Built on first use, like `pieces`.
   */
  get utf8Guard(): Utf8Guard | null {
    if (this.guardCache === undefined) {
      const read = this.tokenBytes;
      const count = Math.max(this.vocabSize, this.tokenizerSize());
      this.guardCache = read
        ? Utf8Guard.build(count, (id) => {
            const token = this.tokenizer.id_to_token(id);
            return token === undefined ? null : read(token, id);
          })
        : null;
    }
    return this.guardCache;
  }

  private tokenizerSize(): number {
    const vocab = this.tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
    return vocab instanceof Map ? vocab.size : Object.keys(vocab).length;
  }

  /**
   * A cache the caller no longer uses counts as outgrown, as buffers a pass grew out of do (see
   * `collectOutgrown`): the cache of a prompt the next one shares nothing with (a Continue's
   * 2,000-character window before ghost text's shorter one) would otherwise stay resident while
   * the new cache is written.
   */
  letGo(cache: KvCache): void {
    this.outgrown += cache.data.reduce((sum, d) => sum + d.byteLength, 0);
  }

  /** A collection ran elsewhere (the worker's, once idle): the outgrown buffers counted so far are gone. */
  forgetOutgrown(): void {
    this.outgrown = 0;
  }

  /**
   * Runs `tokens` (batch rows of equal length) after `cache`. Long inputs are fed in chunks
   * (PREFILL_CHUNK) so a prefill never materialises every prompt position's activations at once.
   */
  async forward(tokens: readonly (readonly number[])[], cache: KvCache, chunk = PREFILL_CHUNK): Promise<ForwardResult> {
    const total = tokens[0]!.length;
    let current = cache;
    let logits: Float32Array | null = null;
    for (let start = 0; start < total; start += chunk) {
      const end = Math.min(total, start + chunk);
      const out = await this.step(tokens.map((row) => row.slice(start, end)), current);
      current = out.cache;
      logits = out.logits;
    }
    if (!logits) throw new EngineError('generation-failed', msg('Nothing to run: the prompt was empty.'));
    return { logits, cache: current };
  }

  private async step(tokens: readonly (readonly number[])[], cache: KvCache): Promise<ForwardResult> {
    if (this.copyFree && this.collectOutgrown && this.outgrown >= this.collectOutgrown.bytes) {
      this.outgrown = 0;
      this.collectOutgrown.collect();
    }
    this.beforePass?.();
    if (this.copyFree) return this.stepCopyFree(tokens, cache);
    const batch = tokens.length;
    const seq = tokens[0]!.length;
    const past = cache.length;
    const ids = new BigInt64Array(batch * seq);
    const pos = new BigInt64Array(batch * seq);
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < seq; s++) {
        ids[b * seq + s] = BigInt(tokens[b]![s]!);
        pos[b * seq + s] = BigInt(past + s);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      ...this.tokenFeeds(tokens, ids, [batch, seq]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * (past + seq)).fill(1n), [batch, past + seq]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', pos, [batch, seq]);
    const { kvHeads, headDim } = this.layout;
    const batchOf = cache.batch === batch ? cache : { ...cache, batch };
    this.pastNames.forEach((name, i) => {
      feeds[name] = new ort.Tensor('float32', batchOf.length === 0 ? new Float32Array(0) : batchOf.data[i]!, [batch, kvHeads, past, headDim]);
    });
    const out = await this.session.run(feeds);
    const logitsTensor = out.logits!;
    const vocab = logitsTensor.dims[2]!;
    const all = logitsTensor.data as Float32Array;
    const logits = new Float32Array(batch * vocab);
    for (let b = 0; b < batch; b++) logits.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
    const data = this.presentNames.map((n) => out[n]!.data as Float32Array);
    return { logits, cache: { batch, length: past + seq, data } };
  }

  /**
   * One pass of a copy-free model: the cache's buffers go in as they are (capacity ≥ valid
   * length), the mask marks the valid slots and the new tokens, and the new keys and values are
   * written into the buffers (grown by 64 positions when full). Nothing proportional to the
   * context is copied per token.
   */
  private async stepCopyFree(tokens: readonly (readonly number[])[], cache: KvCache): Promise<ForwardResult> {
    const batch = tokens.length;
    const seq = tokens[0]!.length;
    const len = cache.length;
    const capacity = cache.capacity ?? cache.length;
    if (cache.batch !== batch && len > 0) throw new EngineError('generation-failed', `A cache of ${cache.batch} rows cannot run ${batch}.`);
    const ids = new BigInt64Array(batch * seq);
    const pos = new BigInt64Array(batch * seq);
    const width = capacity + seq;
    const mask = new BigInt64Array(batch * width);
    for (let b = 0; b < batch; b++) {
      mask.fill(1n, b * width, b * width + len);
      mask.fill(1n, b * width + capacity, (b + 1) * width);
      for (let s = 0; s < seq; s++) {
        ids[b * seq + s] = BigInt(tokens[b]![s]!);
        pos[b * seq + s] = BigInt(len + s);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      ...this.tokenFeeds(tokens, ids, [batch, seq]),
      attention_mask: new ort.Tensor('int64', mask, [batch, width]),
      position_ids: new ort.Tensor('int64', pos, [batch, seq]),
    };
    const { kvHeads, headDim } = this.layout;
    const empty = len === 0 && capacity === 0;
    this.pastNames.forEach((name, i) => {
      feeds[name] = new ort.Tensor('float32', empty ? new Float32Array(0) : cache.data[i]!, [batch, kvHeads, capacity, headDim]);
    });
    const out = await this.session.run(feeds);
    const logits = out.logits!.data as Float32Array;
    const fresh = this.newNames.map((n) => out[n]!.data as Float32Array);
    const base: KvCache = empty ? { batch, length: 0, capacity: 0, data: this.pastNames.map(() => new Float32Array(0)) } : { ...cache, capacity };
    const next = appendToCache(base, this.layout, fresh, seq, CACHE_GRANULE, Math.min(this.contextLength, RESIZABLE_CACHE_POSITIONS));
    // Buffers grown in place leave nothing behind; those replaced by new ones await a collection,
    // as do this pass's outputs once read (the new keys and values copied in, the logits sampled).
    next.data.forEach((d, i) => {
      if (d.buffer !== base.data[i]!.buffer) this.outgrown += base.data[i]!.byteLength;
    });
    this.outgrown += fresh.reduce((sum, d) => sum + d.byteLength, logits.byteLength);
    return { logits, cache: next };
  }

  /** The tokens as the graph takes them: their ids, and their embeddings when it takes those instead of looking them up. */
  private tokenFeeds(tokens: readonly (readonly number[])[], ids: BigInt64Array, dims: [number, number]): Record<string, ort.Tensor> {
    if (!this.embeddings) return { input_ids: new ort.Tensor('int64', ids, dims) };
    const feeds: Record<string, ort.Tensor> = { [EMBEDDINGS_INPUT]: new ort.Tensor('float32', this.embeddings.lookup(tokens.flat()), [...dims, this.embeddings.width]) };
    // The graph may still read the ids' shape (its mask arithmetic does).
    if (this.takesIds) feeds.input_ids = new ort.Tensor('int64', ids, dims);
    return feeds;
  }

  async dispose(): Promise<void> {
    this.embeddings?.close();
    await this.session.release();
  }
}

/** The width of the rows a graph's `inputs_embeds` takes ([batch, sequence, width]). */
function embedWidth(session: ort.InferenceSession): number {
  const meta = session.inputMetadata as unknown as { name: string; shape?: (string | number)[] }[];
  const width = meta.find((m) => m.name === EMBEDDINGS_INPUT)?.shape?.[2];
  if (typeof width !== 'number') throw new Error('inputs_embeds has no fixed width');
  return width;
}

/**
 * The folder's tokenizer, read from its files (never the network): tokenizer.json and
 * tokenizer_config.json, both required, as transformers.js's `AutoTokenizer` reads them (the config
 * decides, among others, whether decoding cleans up spaces before punctuation). transformers.js 4
 * wraps this same class and, for causal language models, changes nothing in encoding or decoding
 * (Marian's and Whisper's tokenizers override them, VITS's its decoder), so ids and text are the
 * ones transformers.js gives, without loading the rest of that library in the worker (7–15 MB
 * resident, measured with bench/workerMemoryBench.ts).
 */
export function readTokenizer(dir: string): Tokenizer {
  return openTokenizer(dir).tokenizer;
}

/**
 * The folder's tokenizer (`readTokenizer`) with its line-by-line encoder where the tokenizer
 * allows one (lineEncoder.ts, which reads tokenizer.json before the tokenizer lets go of it).
 */
type TokenBytes = (token: string, id: number) => Uint8Array | null;

function openTokenizer(dir: string): { tokenizer: Tokenizer; lines: LineEncoder | null; tokenBytes: TokenBytes | null } {
  const { json, config } = readTokenizerFiles(dir);
  const tokenizer = new Tokenizer(json, config);
  const lines = LineEncoder.for(json, config, (text) => tokenizer.encode(text, { add_special_tokens: false }).ids);
  const tokenBytes = tokenBytesReader(json);
  releaseTokenizerSources(tokenizer, json);
  return { tokenizer, lines, tokenBytes };
}

/** The parsed tokenizer.json and tokenizer_config.json of a folder (both required). */
export function readTokenizerFiles(dir: string): { json: object; config: object } {
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as object;
  const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as object;
  return { json, config };
}

/** Decode is memory-bound and was measured faster on one thread; prefill gains from two. */
export function defaultThreads(): number {
  return 1;
}

/** The folder's transformers.js graph for the spec's precision, or null when it has none. */
function standardGraph(spec: ModelSpec): string | null {
  try {
    return checkModelFolder(spec.dir, spec.dtype, 'standard').onnxPath;
  } catch {
    return null;
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!.slice(0, 200);
}
