/**
 * The decode loop. It keeps the KV cache of the last prompt (plus what was generated after it)
 * and, when a new prompt shares a token prefix with it, runs only the new tokens. Sampling,
 * greedy and beam search share one forward pass; several samples of one prompt run as a batch
 * over a tiled copy of the prompt's cache, or one after another when that copy would pass
 * `BATCH_CACHE_BUDGET`.
 */
import { randomInt } from 'node:crypto';
import type { GeneratedToken, GenerateParams, GeneratedSample, GenerationResult, StopReason } from '../../common/generation';
import { validateSampling, SEED_MAX, type SamplingSettings } from '../../writing/settings/samplingSettings';
import type { LanguageModel } from '../model/languageModel';
import { EngineError } from '../model/modelFolder';
import { msg } from '../../common/message';
import { CACHE_GRANULE, cacheBytes, commonPrefixLength, emptyCache, gatherRows, keepPromptEnd, truncateCache, type KvCache } from '../model/kvCache';
import { applyPenalties, logSoftmax, logSumExp, Rng, select, topIndices, type SamplerExtras, type Selection } from './sampling';
import { BannedPhrases, type BannedMatch } from '../../writing/settings/bannedPhrases';
import { findStop, TextStream } from '../tokens/textStream';
import type { RowShaping, Shaping } from '../form/shaping';
import { agreesWithBlank, dropBlank, splitPromptEnd } from '../../writing/prompts/text/promptEnd';
import { textTail } from '../../writing/prompts/text/promptFit';

export interface GenerationHooks {
  /** Checked before every forward pass: a cancel takes effect within one token. */
  isCancelled(): boolean;
  onToken?(text: string, index: number): void;
  /** Called once the first new token is chosen. */
  onFirstToken?(): void;
  /** Form-keeping decoding for this request (verse, or a prose paragraph): shapes every row's logits and may stop a row at a line end. */
  form?: Shaping;
}

interface PrefixState {
  tokens: number[];
  cache: KvCache;
}

/** Tokens of the prompt kept as decode context so the first new piece keeps its leading space. */
const DECODE_CONTEXT = 4;

/**
 * The most a batch's tiled key/value cache may take. Beyond it the samples are written one after
 * another over the prompt's own cache: slower (each token read the weights n times instead of
 * once) but with no memory beyond one row's. On Inkling's own model three alternatives of a
 * 2,000-character prompt tile ~10 MB and stay a batch; on a 135M model they would tile ~80 MB, more
 * than the worker's memory bound leaves (issue "Novels, hostile input and failures").
 */
export const BATCH_CACHE_BUDGET = 16 * 2 ** 20;

/** Rewinds one continuation may make to avoid banned phrases before it ends short of the phrase instead. */
const MAX_BACKTRACKS = 64;

export class Generator {
  private last: PrefixState | null = null;
  /** Per blank still owed at the start of a continuation: 1 for each token that agrees with it. */
  private readonly blankMasks = new Map<string, Uint8Array>();
  /** DRY's sequence breakers per list of breakers: 1 for each token whose text holds one. */
  private readonly breakerMasks = new Map<string, Uint8Array>();
  private extras: SamplerExtras = {};
  private bans = new BannedPhrases([]);
  /** Tokens chosen so far in the running generation (all rows). */
  progress = 0;
  private want: { logProb?: boolean; choices?: number } = {};
  /** The single row's tokens with their probabilities, when asked for. */
  private tokens: GeneratedToken[] | null = null;

  /** `batchCacheBudget`: see BATCH_CACHE_BUDGET (tests pass 0 to write every batch one row at a time). */
  constructor(
    readonly model: LanguageModel,
    private readonly options: { batchCacheBudget?: number } = {},
  ) {}

  /** Forgets the cached prefix (tests use it to compare against a cold start). */
  resetCache(): void {
    this.last = null;
  }

  async generate(params: GenerateParams, hooks: GenerationHooks): Promise<GenerationResult> {
    const started = performance.now();
    this.progress = 0;
    const { settings } = validateSampling(params.sampling);
    const seed = settings.seed ?? randomInt(0, SEED_MAX);
    const n = Math.max(1, Math.min(16, Math.floor(params.n ?? 1)));
    // A prompt ending in a blank asks for a new word: the model reads it without the blank and
    // must begin with it; the blank is dropped from the text returned (see writing/prompts/text/promptEnd).
    const end = splitPromptEnd(params.prompt);
    const prompt = this.promptTokens(end.text, settings.maxNewTokens, params.notes ?? '');

    const { logits, reused } = await this.prefill(prompt, hooks, prompt.length + settings.maxNewTokens);
    if (logits === null) {
      return this.finish(started, started, prompt.length, reused, 0, seed, [{ text: '', stopReason: 'cancelled', seed, meanLogProb: 0 }]);
    }
    const context = prompt.slice(Math.max(this.model.addsBos ? 1 : 0, prompt.length - DECODE_CONTEXT));
    let firstTokenAt = 0;
    const markFirst = () => {
      if (!firstTokenAt) {
        firstTokenAt = performance.now();
        hooks.onFirstToken?.();
      }
    };
    const wrapped: GenerationHooks = { ...hooks, onFirstToken: markFirst };
    const blank = end.blank;
    // Log-probabilities and the choices after the filters cost a pass over the vocabulary per
    // token: computed only for a caller that asks (the CLI's --json, word alternatives).
    const probabilities = Math.max(0, Math.min(20, Math.floor(params.probabilities ?? 0)));
    this.want = probabilities > 0 ? { logProb: true, choices: probabilities } : {};
    this.tokens = null;
    this.extras = settings.dryMultiplier > 0 ? { dryBreakers: this.breakerMask(settings.drySequenceBreakers) } : {};
    this.bans = new BannedPhrases(settings.bannedPhrases);

    let outcome: { samples: Sample[]; newTokens: number };
    if (settings.strategy === 'beam') outcome = await this.beam(prompt, logits, settings, context, wrapped, blank);
    else if (n === 1) outcome = await this.single(prompt, logits, settings, seed, context, wrapped, params.stream === true, blank);
    else if (!this.bans.empty || this.batchTooLarge(n, prompt.length + settings.maxNewTokens)) outcome = await this.oneByOne(prompt, logits, settings, seed, n, context, wrapped, blank);
    else outcome = await this.batch(prompt, logits, settings, seed, n, context, wrapped, blank);
    // A continuation stopped by its length (or cancelled) inside a character loses the character's
    // first bytes rather than end in U+FFFD; the UTF-8 guard leaves no other.
    for (const s of outcome.samples) s.text = dropBlank(blank, s.text).replace(/\uFFFD+$/, '');
    if (this.tokens) this.tokens = fitTokens(this.tokens, blank, outcome.samples[0]?.text ?? '');
    const result = this.finish(started, firstTokenAt || performance.now(), prompt.length, reused, outcome.newTokens, seed, outcome.samples);
    // How much of the prompt the vocabulary could only spell in bytes: the host tells the writer
    // when the model does not know the script (its continuations read as noise).
    const spelled = this.model.utf8Guard?.spelledInBytes(prompt) ?? 0;
    if (spelled > 0) result.stats.spelledInBytes = Math.round(spelled * 100) / 100;
    return result;
  }

  /**
   * Token ids for the prompt, keeping the end when prompt + continuation would not fit the
   * context. The cut falls on a multiple of a quarter of the room, counted from the prompt's
   * start, so a prompt that grows at its end (a writer typing) keeps the same cut, and its
   * cache, until it has grown by that quarter; the cut depends on the prompt alone.
   */
  private promptTokens(prompt: string, maxNewTokens: number, notes: string): number[] {
    // Cost follows the window, not the document: a manuscript of megabytes is cut to its end
    // before it is tokenized (a token is rarely more than 16 characters), on a grid so that a
    // growing prompt keeps its cut and its cache.
    const room = Math.max(8, this.model.contextLength - maxNewTokens);
    if (!notes) {
      const ids = this.model.encode(textTail(prompt, this.model.contextLength * 16).text);
      if (ids.length === 0) throw new EngineError('bad-request', msg('The prompt is empty.'));
      return keepPromptEnd(ids, room, this.model.addsBos);
    }
    // Story notes stand first, whole (at most half the room), and the passage is cut after them:
    // while the notes do not change, a growing passage keeps its cut and the cache of both.
    const head = this.model.encode(notes).slice(0, Math.floor(room / 2));
    const body = this.model.encodeRaw(textTail(prompt, this.model.contextLength * 16).text);
    if (body.length === 0) throw new EngineError('bad-request', msg('The prompt is empty.'));
    return [...head, ...keepPromptEnd(body, room - head.length, false)];
  }

  /** `room`: the positions the request may fill (its prompt and the tokens it may write). */
  private async prefill(prompt: number[], hooks: GenerationHooks, room: number): Promise<{ logits: Float32Array | null; reused: number }> {
    let reused = 0;
    let cache = emptyCache(this.model.layout);
    if (this.last) {
      // At least one token must run to produce logits, even when the prompt is an exact repeat.
      reused = Math.min(commonPrefixLength(this.last.tokens, prompt), prompt.length - 1);
      // Sharing only its first token (a beginning-of-text), a copy-free cache is worth its buffers
      // only when they fit the request: after a Continue's long window, ghost text on those
      // buffers would pay every step for positions it never fills (a step reads the whole buffer).
      const capacity = this.last.cache.capacity;
      if (reused <= 1 && capacity !== undefined && capacity > Math.ceil(room / CACHE_GRANULE) * CACHE_GRANULE) reused = 0;
      if (reused > 0) cache = truncateCache(this.last.cache, this.model.layout, reused);
      if (cache.data !== this.last.cache.data) this.model.letGo(this.last.cache);
    }
    this.last = null; // never leave a cache that disagrees with its tokens if we stop midway
    if (hooks.isCancelled()) return { logits: null, reused };
    const out = await this.model.forward([prompt.slice(reused)], cache);
    this.last = { tokens: prompt.slice(), cache: out.cache };
    return { logits: out.logits, reused };
  }

  private async single(prompt: number[], first: Float32Array, settings: SamplingSettings, seed: number, context: number[], hooks: GenerationHooks, stream: boolean, blank: string): Promise<{ samples: Sample[]; newTokens: number }> {
    const rng = new Rng(seed);
    const textStream = new TextStream((ids) => this.model.decode(ids), context);
    const generated: number[] = [];
    const history = prompt.slice();
    let logits = first;
    let stopReason: StopReason = 'length';
    let text = '';
    let logProb = 0;
    let form = hooks.form?.row();
    let streamed = '';
    // What the caller has been sent: the text after the blank the prompt ended with.
    let sent = 0;
    const emit = (upTo: string, index: number) => {
      const visible = dropBlank(blank, upTo);
      if (upTo.length >= blank.length && visible.length > sent) {
        hooks.onToken?.(visible.slice(sent), index);
        sent = visible.length;
      }
    };
    const tokens: GeneratedToken[] | null = this.want.choices ? [] : null;
    // Banned phrases: each step remembers what a rewind to it must restore, and a position may
    // have tokens banned there (the first token of a phrase the model wrote from that point).
    const bans = this.bans.empty ? null : this.bans;
    const steps: { logProb: number; textLength: number; form?: RowShaping }[] = [];
    const banned = new Map<number, Set<number>>();
    const pristine = bans ? first.slice() : null;
    let rewinds = 0;
    /** Rewinds to the token where the phrase began and bans that token there; false once out of rewinds. */
    const rewind = async (match: BannedMatch): Promise<boolean> => {
      const k = Math.max(0, steps.findIndex((st) => st.textLength > match.start));
      if (++rewinds > MAX_BACKTRACKS) {
        text = text.slice(0, match.start).trimEnd();
        stopReason = 'stop';
        return false;
      }
      let at = banned.get(k);
      if (!at) banned.set(k, (at = new Set()));
      at.add(generated[k]!);
      form = steps[k]!.form;
      generated.length = k;
      history.length = prompt.length + k;
      if (tokens) tokens.length = k;
      steps.length = k;
      logProb = steps.reduce((sum, st) => sum + st.logProb, 0);
      text = textStream.textOf(generated);
      const layout = this.model.layout;
      if (k === 0) {
        this.last = { tokens: prompt.slice(), cache: truncateCache(this.last!.cache, layout, prompt.length) };
        logits = pristine!.slice();
      } else {
        const cache = truncateCache(this.last!.cache, layout, prompt.length + k - 1);
        const out = await this.model.forward([[generated[k - 1]!]], cache);
        this.last = { tokens: [...prompt, ...generated], cache: out.cache };
        logits = out.logits;
      }
      return true;
    };
    /** At the end of a continuation: a banned phrase at its very end counts too. */
    const endsClean = async (): Promise<boolean> => {
      const match = bans?.find(text, true);
      return !match || !(await rewind(match));
    };
    for (;;) {
      const ban = bans ? banned.get(generated.length) : undefined;
      if (ban) for (const id of ban) logits[id] = -Infinity;
      const chosen = this.select(logits, text, settings.maxNewTokens - generated.length, history, settings, rng, form, blank);
      const { token, logProb: lp } = chosen;
      this.progress++;
      if (generated.length === 0) hooks.onFirstToken?.();
      if (this.model.eosIds.has(token)) {
        stopReason = 'eos';
        if (await endsClean()) break;
        continue;
      }
      if (bans) steps.push({ logProb: lp, textLength: 0, form: form?.clone() });
      generated.push(token);
      history.push(token);
      logProb += lp;
      const before = text;
      text = textStream.textOf(generated);
      if (bans) steps[steps.length - 1]!.textLength = text.length;
      if (tokens) tokens.push(this.tokenOf(chosen, text.startsWith(before) ? text.slice(before.length) : this.model.pieces[token] ?? ''));
      const stopAt = findStop(text, settings.stopStrings);
      if (stopAt >= 0) {
        text = text.slice(0, stopAt);
        stopReason = 'stop';
        if (await endsClean()) break;
        continue;
      }
      form?.accept(token, text);
      const formCut = form?.stopAt(text) ?? null;
      if (formCut !== null) {
        const match = bans?.find(formCut, true);
        if (match) {
          if (await rewind(match)) continue;
          break;
        }
        // The streamed text so far is a prefix of the cut; send the rest of the last line.
        if (stream && formCut.startsWith(streamed) && formCut.length > streamed.length) emit(formCut, generated.length - 1);
        text = formCut;
        stopReason = 'form';
        break;
      }
      if (bans) {
        const match = bans.find(text, false);
        if (match) {
          if (await rewind(match)) continue;
          break;
        }
      }
      if (stream) {
        if (bans) {
          // Show only what can no longer become a banned phrase, up to the start of the token
          // holding that point: a rewind never takes back text the writer has seen.
          let stable = text;
          while (stable.endsWith('\uFFFD')) stable = stable.slice(0, -1);
          const safe = bans.safeLength(stable);
          const held = steps.findIndex((st) => st.textLength > safe);
          const upTo = held < 0 ? stable : stable.slice(0, held === 0 ? 0 : steps[held - 1]!.textLength);
          if (upTo.length > streamed.length && upTo.startsWith(streamed)) {
            streamed = upTo;
            emit(streamed, generated.length - 1);
          }
        } else {
          const delta = textStream.push(generated);
          streamed += delta;
          if (delta) emit(streamed, generated.length - 1);
        }
      }
      if (generated.length >= settings.maxNewTokens) {
        if (await endsClean()) break;
        continue;
      }
      if (hooks.isCancelled()) {
        stopReason = 'cancelled';
        break;
      }
      const out = await this.model.forward([[token]], this.last!.cache);
      this.last = { tokens: [...this.last!.tokens, token], cache: out.cache };
      logits = out.logits;
    }
    // Text held back while it could have become a banned phrase is sent once it is settled.
    if (stream && bans && stopReason !== 'cancelled' && text.startsWith(streamed) && text.length > streamed.length) emit(text, generated.length - 1);
    this.tokens = tokens;
    return { samples: [{ text, stopReason, seed, meanLogProb: mean(logProb, generated.length) }], newTokens: generated.length };
  }

  /** Whether n rows of a cache for `positions` would pass the batch budget. */
  private batchTooLarge(n: number, positions: number): boolean {
    return cacheBytes(this.model.layout, n, Math.min(this.model.contextLength, positions)) > (this.options.batchCacheBudget ?? BATCH_CACHE_BUDGET);
  }

  /** n samples one after another (banned phrases rewind one row at a time; a batch too large for memory): sample i draws with seed + i. */
  private async oneByOne(prompt: number[], first: Float32Array, settings: SamplingSettings, seed: number, n: number, context: number[], hooks: GenerationHooks, blank: string): Promise<{ samples: Sample[]; newTokens: number }> {
    const samples: Sample[] = [];
    let newTokens = 0;
    const pristine = first.slice();
    for (let i = 0; i < n; i++) {
      if (i > 0 && hooks.isCancelled()) break;
      this.last = { tokens: prompt.slice(), cache: truncateCache(this.last!.cache, this.model.layout, prompt.length) };
      const out = await this.single(prompt, pristine.slice(), settings, (seed + i) % (SEED_MAX + 1), context, hooks, false, blank);
      samples.push(...out.samples);
      newTokens += out.newTokens;
    }
    this.tokens = null;
    return { samples, newTokens };
  }

  /** A generated token with its probability and the likeliest choices there, as the writer's filters left them. */
  private tokenOf(chosen: Selection, text: string): GeneratedToken {
    const pieces = this.model.pieces;
    return { text, probability: round4(chosen.probability ?? 0), alternatives: (chosen.choices ?? []).map((c) => ({ text: pieces[c.id] ?? '', probability: round4(c.prob) })) };
  }

  /** n samples of one prompt as one batch: row i draws with seed + i. */
  private async batch(prompt: number[], first: Float32Array, settings: SamplingSettings, seed: number, n: number, context: number[], hooks: GenerationHooks, blank: string): Promise<{ samples: Sample[]; newTokens: number }> {
    const V = first.length;
    const rows = Array.from({ length: n }, (_, i) => ({
      rng: new Rng((seed + i) % (SEED_MAX + 1)),
      seed: (seed + i) % (SEED_MAX + 1),
      history: prompt.slice(),
      generated: [] as number[],
      stream: new TextStream((ids) => this.model.decode(ids), context),
      text: '',
      logProb: 0,
      stopReason: null as StopReason | null,
      form: hooks.form?.row(),
    }));
    // Room for every token the rows may write, so the n-row buffers never grow (old and new at once).
    let cache = gatherRows(this.last!.cache, this.model.layout, rows.map(() => 0), Math.min(this.model.contextLength, prompt.length + settings.maxNewTokens));
    let logits: Float32Array = new Float32Array(n * V);
    for (let i = 0; i < n; i++) logits.set(first, i * V);
    let steps = 0;
    const filler = this.model.eosIds.values().next().value ?? 0;
    for (;;) {
      const next: number[] = [];
      rows.forEach((row, i) => {
        if (row.stopReason) {
          next.push(filler);
          return;
        }
        const rowLogits = logits.subarray(i * V, (i + 1) * V);
        const { token, logProb } = this.select(rowLogits, row.text, settings.maxNewTokens - row.generated.length, row.history, settings, row.rng, row.form, blank);
        this.progress++;
        next.push(token);
        if (this.model.eosIds.has(token)) {
          row.stopReason = 'eos';
          return;
        }
        row.logProb += logProb;
        row.generated.push(token);
        row.history.push(token);
        row.text = row.stream.textOf(row.generated);
        const stopAt = findStop(row.text, settings.stopStrings);
        row.form?.accept(token, row.text);
        const formCut = stopAt >= 0 ? null : (row.form?.stopAt(row.text) ?? null);
        if (stopAt >= 0) {
          row.text = row.text.slice(0, stopAt);
          row.stopReason = 'stop';
        } else if (formCut !== null) {
          row.text = formCut;
          row.stopReason = 'form';
        } else if (row.generated.length >= settings.maxNewTokens) row.stopReason = 'length';
      });
      if (steps === 0) hooks.onFirstToken?.();
      steps++;
      if (rows.every((r) => r.stopReason)) break;
      if (hooks.isCancelled()) {
        for (const r of rows) r.stopReason ??= 'cancelled';
        break;
      }
      const out = await this.model.forward(next.map((t) => [t]), cache);
      cache = out.cache;
      logits = out.logits;
    }
    const samples = rows.map((r) => ({ text: r.text, stopReason: r.stopReason ?? ('length' as StopReason), seed: r.seed, meanLogProb: mean(r.logProb, r.generated.length) }));
    return { samples, newTokens: rows.reduce((s, r) => s + r.generated.length, 0) };
  }

  /**
   * Beam search with length-normalised scores. Beams that end (EOS, a stop string, or the
   * token budget) join the finished pool; the search ends when the pool holds `numBeams`
   * hypotheses or the budget is spent.
   */
  private async beam(prompt: number[], first: Float32Array, settings: SamplingSettings, context: number[], hooks: GenerationHooks, blank: string): Promise<{ samples: Sample[]; newTokens: number }> {
    const B = settings.numBeams;
    const V = first.length;
    const stream = new TextStream((ids) => this.model.decode(ids), context);
    interface Beam {
      tokens: number[];
      /** Sum of log-probabilities after penalties: what the search ranks by. */
      score: number;
      /** Sum of log-probabilities under the unmodified model, reported for comparison. */
      raw: number;
      form?: RowShaping;
    }
    let beams: Beam[] = [{ tokens: [], score: 0, raw: 0, form: hooks.form?.row() }];
    let cache = this.last!.cache;
    let logits = first;
    const finished: { tokens: number[]; score: number; raw: number; text: string; stopReason: StopReason }[] = [];
    let steps = 0;
    const normalised = (score: number, length: number) => score / Math.max(1, length);
    while (beams.length > 0) {
      const candidates: { parent: number; token: number; score: number; raw: number }[] = [];
      beams.forEach((beam, i) => {
        const row = logits.slice(i * V, (i + 1) * V);
        const lse = logSumExp(row);
        const rawRow = row.slice();
        const written = stream.textOf(beam.tokens);
        const history = [...prompt, ...beam.tokens];
        this.model.utf8Guard?.shape(row, this.model.utf8Guard.stateAfter(history));
        this.shapeBlank(row, blank, written);
        if (beam.form) shapeByForm(beam.form, row, written, settings.maxNewTokens - beam.tokens.length);
        applyPenalties(row, history, settings, this.extras);
        const logp = logSoftmax(row);
        for (const id of topIndices(logp, 2 * B)) if (logp[id]! > -Infinity) candidates.push({ parent: i, token: id, score: beam.score + logp[id]!, raw: beam.raw + rawRow[id]! - lse });
      });
      if (steps === 0) hooks.onFirstToken?.();
      steps++;
      this.progress = steps;
      candidates.sort((a, b) => b.score - a.score);
      const next: { parent: number; tokens: number[]; score: number; raw: number; form?: RowShaping }[] = [];
      for (const c of candidates) {
        const tokens = [...beams[c.parent]!.tokens];
        const parentRaw = beams[c.parent]!.raw;
        if (this.model.eosIds.has(c.token)) {
          finished.push({ tokens, score: normalised(c.score, tokens.length + 1), raw: parentRaw, text: stream.textOf(tokens), stopReason: 'eos' });
          continue;
        }
        tokens.push(c.token);
        const text = stream.textOf(tokens);
        // A beam that writes a banned phrase is dropped; a phrase at its end counts already.
        if (this.bans.find(text, true)) continue;
        const stopAt = findStop(text, settings.stopStrings);
        if (stopAt >= 0) {
          finished.push({ tokens, score: normalised(c.score, tokens.length), raw: c.raw, text: text.slice(0, stopAt), stopReason: 'stop' });
          continue;
        }
        const form = beams[c.parent]!.form?.clone();
        form?.accept(c.token, text);
        const formCut = form?.stopAt(text) ?? null;
        if (formCut !== null) {
          finished.push({ tokens, score: normalised(c.score, tokens.length), raw: c.raw, text: formCut, stopReason: 'form' });
          continue;
        }
        if (tokens.length >= settings.maxNewTokens) {
          finished.push({ tokens, score: normalised(c.score, tokens.length), raw: c.raw, text, stopReason: 'length' });
          continue;
        }
        next.push({ parent: c.parent, tokens, score: c.score, raw: c.raw, form });
        if (next.length === B) break;
      }
      const bestFinished = Math.max(-Infinity, ...finished.map((f) => f.score));
      // No live beam can beat the best finished one once its normalised score is already lower
      // (log-probabilities only fall), and the pool is full.
      if (next.length === 0 || (finished.length >= B && next.every((b) => normalised(b.score, b.tokens.length) < bestFinished))) break;
      if (hooks.isCancelled()) {
        for (const b of next) finished.push({ tokens: b.tokens, score: normalised(b.score, b.tokens.length), raw: b.raw, text: stream.textOf(b.tokens), stopReason: 'cancelled' });
        break;
      }
      cache = gatherRows(cache, this.model.layout, next.map((b) => b.parent));
      const out = await this.model.forward(next.map((b) => [b.tokens[b.tokens.length - 1]!]), cache);
      cache = out.cache;
      logits = out.logits;
      beams = next.map((b) => ({ tokens: b.tokens, score: b.score, raw: b.raw, form: b.form }));
    }
    // Best first; the beams after the best are returned as alternatives.
    finished.sort((a, b) => b.score - a.score);
    const samples = finished.slice(0, B).map((f) => ({ text: f.text, stopReason: f.stopReason, seed: 0, meanLogProb: mean(f.raw, f.tokens.length), score: f.score }));
    if (samples.length === 0) samples.push({ text: '', stopReason: 'length', seed: 0, meanLogProb: 0, score: 0 });
    return { samples, newTokens: steps };
  }

  /**
   * Shapes a row (valid UTF-8, the blank the prompt ended with, then the poem's form) and selects; the
   * log-probability reported stays the unmodified model's, as for unshaped rows.
   */
  private select(logits: Float32Array, text: string, tokensLeft: number, history: readonly number[], settings: SamplingSettings, rng: Rng, form: RowShaping | undefined, blank: string): Selection {
    const owesBlank = blank.length > 0 && text.length < blank.length;
    const utf8 = this.model.utf8Guard;
    if (!form && !owesBlank && !utf8) return select(logits, history, settings, rng, this.want, this.extras);
    const lse = this.want.logProb ? logSumExp(logits) : 0;
    if (this.want.logProb) {
      // One reused buffer, not a copy per token: at a 49K vocabulary the copies were most of the garbage.
      if (rawScratch.length !== logits.length) rawScratch = new Float32Array(logits.length);
      rawScratch.set(logits);
    }
    // Valid text first: the shaping after it steps aside rather than leave nothing, so it keeps this.
    utf8?.shape(logits, utf8.stateAfter(history));
    if (owesBlank) this.shapeBlank(logits, blank, text);
    if (form) shapeByForm(form, logits, text, tokensLeft);
    const chosen = select(logits, history, settings, rng, { choices: this.want.choices }, this.extras);
    return { ...chosen, logProb: this.want.logProb ? rawScratch[chosen.token]! - lse : 0 };
  }

  /** 1 for every token whose text holds one of DRY's sequence breakers; built once per list. */
  private breakerMask(breakers: readonly string[]): Uint8Array {
    const key = JSON.stringify(breakers);
    let mask = this.breakerMasks.get(key);
    if (!mask) {
      const pieces = this.model.pieces;
      mask = new Uint8Array(pieces.length);
      for (let id = 0; id < pieces.length; id++) {
        const piece = pieces[id] ?? '';
        mask[id] = breakers.some((b) => piece.includes(b)) ? 1 : 0;
      }
      this.breakerMasks.set(key, mask);
    }
    return mask;
  }

  /** Until the continuation has written the blank its prompt ended with, only tokens agreeing with it (and end of text) may come. */
  private shapeBlank(logits: Float32Array, blank: string, written: string): void {
    if (!blank || written.length >= blank.length) return;
    const rest = blank.slice(written.length);
    let mask = this.blankMasks.get(rest);
    if (!mask) {
      const pieces = this.model.pieces;
      mask = new Uint8Array(logits.length);
      for (let id = 0; id < mask.length; id++) mask[id] = agreesWithBlank(rest, '', pieces[id] ?? '') || this.model.eosIds.has(id) ? 1 : 0;
      this.blankMasks.set(rest, mask);
    }
    for (let id = 0; id < logits.length; id++) if (!mask[id]) logits[id] = -Infinity;
  }

  private finish(started: number, firstTokenAt: number, promptTokens: number, reused: number, newTokens: number, seed: number, samples: Sample[]): GenerationResult {
    const end = performance.now();
    const decodeSeconds = Math.max(1e-6, (end - firstTokenAt) / 1000);
    const main = samples[0]!;
    const result: GenerationResult = {
      text: main.text,
      stopReason: main.stopReason,
      meanLogProb: main.meanLogProb,
      stats: {
        promptTokens,
        reusedTokens: reused,
        newTokens,
        timeToFirstTokenMs: round(firstTokenAt - started),
        totalMs: round(end - started),
        tokensPerSecond: newTokens > 1 ? round((newTokens - 1) / decodeSeconds) : 0,
        seed,
        model: this.model.name,
      },
    };
    if (samples.length > 1) result.alternatives = samples;
    if (this.tokens) result.tokens = this.tokens;
    return result;
  }
}

type Sample = GeneratedSample;

let rawScratch = new Float32Array(0);
let formScratch = new Float32Array(0);

/**
 * The form's shaping of a row, unless it would leave no token at all — it asked for what the
 * other constraints forbid (a line already at its length, ending in a blank the writer typed: the
 * form wants the line's end, the blank a word) — then the row stays as it was for this token and
 * the form takes up again from the text that follows, rather than the request failing.
 */
function shapeByForm(form: RowShaping, logits: Float32Array, text: string, tokensLeft: number): void {
  if (formScratch.length !== logits.length) formScratch = new Float32Array(logits.length);
  formScratch.set(logits);
  form.shape(logits, text, tokensLeft);
  for (let id = 0; id < logits.length; id++) if (logits[id]! > -Infinity) return;
  logits.set(formScratch);
}

function mean(sum: number, count: number): number {
  return count > 0 ? Math.round((sum / count) * 1e4) / 1e4 : 0;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * The tokens of a finished text: the blank the prompt ended with left out of the first, and
 * those past a stop string or a line the form cut dropped (the last one trimmed to the text).
 */
function fitTokens(tokens: GeneratedToken[], blank: string, text: string): GeneratedToken[] {
  const out: GeneratedToken[] = [];
  let at = 0;
  for (const [i, t] of tokens.entries()) {
    let piece = i === 0 && blank && t.text.startsWith(blank) ? t.text.slice(blank.length) : t.text;
    if (at >= text.length) break;
    if (at + piece.length > text.length) piece = text.slice(at);
    out.push({ ...t, text: piece });
    at += piece.length;
  }
  return out;
}
