/**
 * The server engine: Inkling's writing on a model someone else serves — llama.cpp's
 * llama-server, vLLM, Ollama, or anything with the OpenAI `/v1/completions` — behind the same
 * WritingEngine interface as the local worker. It finds out what the server is on first use
 * (never before the writer chose it), maps the writer's sampling settings onto the server's
 * (saying once which ones it lacks), keeps a poem's form line by line (verseWriter.ts), and turns
 * every failure into one clear message; a request never waits on a retry, and the next one
 * tries again.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EngineCapabilities, EngineDescription, EngineState, ErrorCode, GeneratedToken, GenerateParams, GenerationResult, SamplingSettings, StopReason } from '../../common/generation';
import { splitPromptEnd } from '../../writing/prompts/text/promptEnd';
import { fitPrompt } from '../../writing/prompts/text/promptFit';
import { leadGrammar } from '../../writing/verse/lines/lineGrammar';
import { loadRhymeLexicon, type RhymeLexicon } from '../../writing/verse/sound/rhymeLexicon';
import { loadPronouncingDictionary } from '../../writing/verse/sound/pronouncingDictionary';
import { isCjkText } from '../../writing/verse/chinese/cjkText';
import { loadPinyin } from '../../writing/verse/chinese/hanziRhyme';
import { SEED_MAX, validateSampling } from '../../writing/settings/samplingSettings';
import type { ServerKind } from '../../writing/settings/serverSettings';
import { findStop } from '../../engine/tokens/textStream';
import { BannedPhrases } from '../../writing/settings/bannedPhrases';
import { cancelledResult, EngineRequestError, SILENT_LOGGER, type EngineLogger, type GenerateOptions, type WritingEngine } from '../writingEngine';
import { ignoredSettings, type CompletionCall, type ServerDialect, type Usage } from './dialect';
import { NdjsonParser, SseParser } from './eventStream';
import { HttpFailure, httpRequest } from './http';
import { llamaCppDialect } from './llamaCppDialect';
import { ollamaDialect } from './ollamaDialect';
import { openaiDialect } from './openaiDialect';
import { MissingModel, probeServer, type ServerProbe } from './probe';
import { vllmDialect } from './vllmDialect';
import { writeVerse } from './verseWriter';
import { msg } from '../../common/message';

/** One completion request's outcome per sample: text, why it ended, and where a banned phrase was cut off. */
interface Completion {
  texts: string[];
  stops: StopReason[];
  usage: Usage;
  tokens: GeneratedToken[];
  /** Where a banned phrase began, per sample that was cut there. */
  banned: (number | undefined)[];
}

/** Characters per token assumed of a server's tokenizer until its reports teach better (English BPE runs 3–4; 2.5 errs towards a shorter prompt). */
const INITIAL_CHARS_PER_TOKEN = 2.5;
/** Fresh attempts a continuation may make past banned phrases before it ends short of one. */
const MAX_BAN_REWINDS = 8;

export const DIALECTS: Record<ServerKind, ServerDialect> = { 'llama.cpp': llamaCppDialect, vllm: vllmDialect, ollama: ollamaDialect, openai: openaiDialect };

const SERVER_NAMES: Record<ServerKind, string> = { 'llama.cpp': 'llama-server', vllm: 'vLLM', ollama: 'Ollama', openai: 'The server' };

export interface ServerEngineOptions {
  /** The server's base address (checked: see writing/settings/serverSettings.ts). */
  url: string;
  kind: ServerKind | 'auto';
  /** The model to ask for; '' for the server's own (or first) one. */
  model: string;
  /** The API key, read when needed (from VS Code's secret storage); never logged. */
  apiKey?: () => Promise<string | undefined>;
  logger?: EngineLogger;
  /** Time for the server to start answering (default 5 s). */
  connectTimeoutMs?: number;
  /** Time allowed between two pieces of a streamed answer (default 30 s). */
  silenceTimeoutMs?: number;
}

/** What the engine can do before it has looked at the server: nothing assumed beyond the OpenAI subset. */
const UNKNOWN_CAPABILITIES: EngineCapabilities = openaiDialect.capabilities;

export class ServerEngine extends EventEmitter implements WritingEngine {
  private _state: EngineState = 'stopped';
  private probed: Promise<ServerProbe> | null = null;
  private probe: ServerProbe | null = null;
  private readonly inflight = new Map<string, AbortController>();
  private readonly warned = new Set<string>();
  private lexicon: Promise<RhymeLexicon> | null = null;
  /** Characters per prompt token, learnt from what the server reports (starts low: small vocabularies). */
  private charsPerToken = INITIAL_CHARS_PER_TOKEN;
  private disposed = false;
  private readonly log: EngineLogger;
  /** Where the server is, for messages: its host and port. */
  readonly where: string;

  constructor(private readonly options: ServerEngineOptions) {
    super();
    this.log = options.logger ?? SILENT_LOGGER;
    this.where = new URL(options.url).host;
  }

  get state(): EngineState {
    return this._state;
  }

  get description(): EngineDescription | null {
    const p = this.probe;
    if (!p) return null;
    return { kind: p.kind, model: p.modelLabel, contextLength: p.contextLength, version: p.version, url: new URL(this.options.url).origin };
  }

  get capabilities(): EngineCapabilities {
    return this.probe ? DIALECTS[this.probe.kind].capabilities : UNKNOWN_CAPABILITIES;
  }

  onStateChange(listener: (state: EngineState, detail?: string) => void): () => void {
    this.on('state', listener);
    return () => this.off('state', listener);
  }

  private setState(state: EngineState, detail?: string): void {
    if (this._state === state && !detail) return;
    this._state = state;
    this.emit('state', state, detail);
  }

  async prepare(): Promise<EngineDescription> {
    await this.ensureProbe(new AbortController().signal);
    return this.description!;
  }

  /** Tokens of `text` as the server counts them (llama.cpp's /tokenize), else an estimate of four characters a token. */
  async countTokens(text: string): Promise<number> {
    const probe = await this.ensureProbe(new AbortController().signal);
    if (probe.kind === 'llama.cpp') {
      try {
        const answer = await httpRequest('POST', `${this.options.url}/tokenize`, { content: text, add_special: true }, { headers: await this.headers(), connectTimeoutMs: this.options.connectTimeoutMs ?? 5000, silenceTimeoutMs: 30000 });
        const tokens = (JSON.parse(answer.text) as { tokens?: unknown[] }).tokens;
        if (Array.isArray(tokens)) return tokens.length;
      } catch (e) {
        this.log.debug(`Counting tokens on the server failed (${(e as Error).message}); estimating.`);
      }
    }
    return Math.ceil(text.length / 4);
  }

  /** Looks at the server again (it may have been restarted with another model). */
  async restart(): Promise<EngineDescription> {
    for (const c of this.inflight.values()) c.abort();
    this.probed = null;
    this.probe = null;
    // The server may now run another model, with another tokenizer: start the estimate afresh.
    this.charsPerToken = INITIAL_CHARS_PER_TOKEN;
    this.warned.clear();
    return this.prepare();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const c of this.inflight.values()) c.abort();
    this.inflight.clear();
    this.setState('stopped');
  }

  async generate(params: GenerateParams, options: GenerateOptions = {}): Promise<GenerationResult> {
    if (this.disposed) throw new EngineRequestError('server-failed', msg('The server engine was shut down.'));
    if (options.signal?.aborted) return cancelledResult();
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Latest request wins: a newer request from the same caller ends this one as cancelled.
    const caller = params.caller;
    if (caller !== undefined) {
      this.inflight.get(caller)?.abort();
      this.inflight.set(caller, abort);
    }
    const started = performance.now();
    let firstAt = 0;
    let text = '';
    const onText = (delta: string) => {
      if (!delta || abort.signal.aborted) return;
      firstAt ||= performance.now();
      text += delta;
      if (params.stream) options.onToken?.(delta);
    };
    try {
      const probe = await this.ensureProbe(abort.signal);
      const dialect = DIALECTS[probe.kind];
      const { settings } = validateSampling(params.sampling);
      const seed = settings.seed ?? randomInt(0, SEED_MAX);
      this.warnIgnored(dialect, settings);
      this.setState('generating');
      const end = splitPromptEnd(params.prompt);
      // A prose paragraph's rule is the worker's logit shaping: a server samples plainly, and the request's cut keeps whole sentences.
      const form = params.form?.paragraph ? undefined : params.form;
      let result: { text: string; stopReason: StopReason; usage: Usage; alternatives?: { text: string; stopReason: StopReason; seed: number }[]; tokens?: GeneratedToken[] };
      if (form) {
        // Chinese verse needs pinyin-pro too: its rhymes, and which of its lines rhyme.
        const cjk = isCjkText(end.text);
        if (cjk) await loadPinyin();
        const lexicon = form.rhyme ? await (cjk ? loadRhymeLexicon({ han: true }) : (this.lexicon ??= loadRhymeLexicon())) : (await loadPronouncingDictionary(), null);
        // n samples of verse: one after the other, seed + i each (a line at a time cannot batch).
        const n = Math.max(1, Math.min(16, Math.floor(params.n ?? 1)));
        const samples: { text: string; stopReason: StopReason; seed: number }[] = [];
        const usage: Usage = {};
        for (let i = 0; i < n && !abort.signal.aborted; i++) {
          const sampleSeed = (seed + i) % (SEED_MAX + 1);
          const verse = await writeVerse({
            prompt: end.text,
            blank: end.blank,
            form,
            formContext: params.formContext,
            sampling: settings,
            seed: sampleSeed,
            grammar: dialect.capabilities.grammar,
            lexicon,
            isCancelled: () => abort.signal.aborted,
            onText: i === 0 ? onText : undefined,
            complete: async (call, stream) => {
              const one = await this.complete(dialect, { prompt: call.prompt, notes: params.notes, model: probe.model, sampling: { ...settings, seed: call.seed }, maxTokens: call.maxTokens, stop: call.stop, grammar: call.grammar, n: 1, stream: true }, abort.signal, (_i, t) => stream?.(t));
              return { text: one.texts[0] ?? '', stop: one.stops[0] ?? 'length', usage: one.usage };
            },
          });
          samples.push({ text: verse.text, stopReason: verse.stopReason, seed: sampleSeed });
          if (i === 0) Object.assign(usage, verse.usage);
          else usage.newTokens = (usage.newTokens ?? 0) + verse.usage.newTokens;
        }
        result = { text: samples[0]?.text ?? '', stopReason: samples[0]?.stopReason ?? 'cancelled', usage, alternatives: samples };
      } else {
        result = await this.plain(dialect, probe, params, settings, seed, end, abort.signal, onText);
      }
      this.setState('ready');
      const total = performance.now() - started;
      const newTokens = result.usage.newTokens ?? 0;
      const decodeSeconds = Math.max(1e-6, (performance.now() - (firstAt || started)) / 1000);
      const out: GenerationResult = {
        text: result.text,
        stopReason: abort.signal.aborted ? 'cancelled' : result.stopReason,
        meanLogProb: 0,
        stats: {
          promptTokens: result.usage.promptTokens ?? 0,
          reusedTokens: result.usage.cachedTokens ?? 0,
          newTokens,
          timeToFirstTokenMs: round((firstAt || performance.now()) - started),
          totalMs: round(total),
          tokensPerSecond: newTokens > 1 ? round((newTokens - 1) / decodeSeconds) : 0,
          seed,
          model: probe.modelLabel,
          serverMs: result.usage.serverMs,
        },
      };
      if (result.alternatives && result.alternatives.length > 1) out.alternatives = result.alternatives.map((a) => ({ ...a, meanLogProb: 0 }));
      if (result.tokens) out.tokens = result.tokens;
      return out;
    } catch (e) {
      if (abort.signal.aborted || (e instanceof HttpFailure && e.kind === 'aborted')) {
        if (this._state === 'generating') this.setState('ready');
        const r = cancelledResult(this.probe?.modelLabel);
        r.text = text;
        return r;
      }
      const error = this.toRequestError(e);
      this.setState('error', error.message);
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (caller !== undefined && this.inflight.get(caller) === abort) this.inflight.delete(caller);
    }
  }

  /** A plain continuation (or n of them): one request, or one per sample where the server takes one at a time. */
  private async plain(
    dialect: ServerDialect,
    probe: ServerProbe,
    params: GenerateParams,
    settings: SamplingSettings,
    seed: number,
    end: { text: string; blank: string },
    signal: AbortSignal,
    onText: (delta: string) => void,
  ): Promise<{ text: string; stopReason: StopReason; usage: Usage; alternatives?: { text: string; stopReason: StopReason; seed: number }[]; tokens?: GeneratedToken[] }> {
    const n = Math.max(1, Math.min(16, Math.floor(params.n ?? 1)));
    // A prompt ending in a blank: where the server takes a grammar, it begins the text with the
    // blank (a new word) and reads the prompt without it; elsewhere the prompt keeps its blank.
    const healed = end.blank !== '' && dialect.capabilities.grammar;
    const call: CompletionCall = {
      prompt: healed ? end.text : params.prompt,
      notes: params.notes,
      model: probe.model,
      sampling: settings,
      maxTokens: settings.maxNewTokens,
      stop: settings.stopStrings,
      grammar: healed ? leadGrammar(end.blank) : undefined,
      n: 1,
      stream: true,
      probabilities: params.probabilities && dialect.capabilities.tokenProbabilities ? Math.min(20, params.probabilities) : undefined,
    };
    const strip = (t: string) => (healed && t.startsWith(end.blank) ? t.slice(end.blank.length) : t);
    if (n === 1) {
      let raw = '';
      const onPiece = (_i: number, t: string) => {
        const before = strip(raw);
        raw += t;
        onText(strip(raw).slice(before.length));
      };
      const bans = new BannedPhrases(settings.bannedPhrases);
      if (bans.empty) {
        const one = await this.complete(dialect, { ...call, sampling: { ...settings, seed } }, signal, onPiece);
        return { text: strip(one.texts[0] ?? ''), stopReason: one.stops[0] ?? 'length', usage: one.usage, tokens: call.probabilities ? one.tokens : undefined };
      }
      return this.pastBans(dialect, call, settings, seed, signal, onPiece, () => raw, strip);
    }
    const samples: { text: string; stopReason: StopReason; seed: number }[] = [];
    let usage: Usage = {};
    if (dialect.capabilities.batch) {
      const all = await this.complete(dialect, { ...call, n, sampling: { ...settings, seed } }, signal);
      for (let i = 0; i < n; i++) samples.push({ text: strip(all.texts[i] ?? ''), stopReason: all.stops[i] ?? 'length', seed: (seed + i) % (SEED_MAX + 1) });
      usage = all.usage;
    } else {
      for (let i = 0; i < n && !signal.aborted; i++) {
        const s = (seed + i) % (SEED_MAX + 1);
        const one = await this.complete(dialect, { ...call, sampling: { ...settings, seed: s } }, signal);
        samples.push({ text: strip(one.texts[0] ?? ''), stopReason: one.stops[0] ?? 'length', seed: s });
        usage = { promptTokens: one.usage.promptTokens, newTokens: (usage.newTokens ?? 0) + (one.usage.newTokens ?? 0), cachedTokens: one.usage.cachedTokens, serverMs: (usage.serverMs ?? 0) + (one.usage.serverMs ?? 0) };
      }
    }
    return { text: samples[0]?.text ?? '', stopReason: samples[0]?.stopReason ?? 'length', usage, alternatives: samples };
  }

  /**
   * One continuation that never writes a banned phrase, on any server. Where a phrase begins the
   * answer is cut; the next request continues from the text before it with the choice the
   * server ranked next at that point (its token probabilities, where it gives them: the same
   * step back the worker takes over its KV cache), or with a fresh seed where it gives none.
   * After MAX_BAN_REWINDS the continuation ends before the phrase.
   */
  private async pastBans(
    dialect: ServerDialect,
    call: CompletionCall,
    settings: SamplingSettings,
    seed: number,
    signal: AbortSignal,
    onPiece: (index: number, text: string) => void,
    written: () => string,
    strip: (t: string) => string,
  ): Promise<{ text: string; stopReason: StopReason; usage: Usage }> {
    const bans = new BannedPhrases(settings.bannedPhrases);
    const ranked = dialect.capabilities.tokenProbabilities;
    const usage: Usage = {};
    let left = settings.maxNewTokens;
    let stopReason: StopReason = 'length';
    for (let attempt = 0; ; attempt++) {
      const sofar = written();
      const one = await this.complete(
        dialect,
        {
          ...call,
          prompt: call.prompt + sofar,
          // Once the blank a prompt ended with is written, later requests need no grammar for it.
          grammar: sofar.length > 0 ? undefined : call.grammar,
          maxTokens: Math.max(1, left),
          sampling: { ...settings, seed: (seed + attempt * 7919) % (SEED_MAX + 1) },
          probabilities: ranked ? Math.max(call.probabilities ?? 0, 8) : call.probabilities,
          rawProbabilities: ranked,
        },
        signal,
        onPiece,
      );
      usage.promptTokens ??= one.usage.promptTokens;
      usage.cachedTokens ??= one.usage.cachedTokens;
      usage.newTokens = (usage.newTokens ?? 0) + (one.usage.newTokens ?? one.tokens.length);
      usage.serverMs = (usage.serverMs ?? 0) + (one.usage.serverMs ?? 0);
      left -= one.usage.newTokens ?? (one.tokens.length || Math.ceil((one.texts[0] ?? '').length / 4));
      stopReason = one.stops[0] ?? 'length';
      const cutAt = one.banned[0];
      if (cutAt === undefined || signal.aborted || left <= 0) break;
      if (attempt + 1 >= MAX_BAN_REWINDS || (!ranked && settings.strategy !== 'sample')) {
        // Out of attempts (or greedy on a server that ranks nothing: every attempt would be the same).
        stopReason = 'stop';
        break;
      }
      // The server's next choice at the token where the phrase began. What of that token was
      // already shown (a space before the phrase's first word) stays: the choice must begin with it.
      let end = 0;
      const token = one.tokens.find((t) => (end += t.text.length) > cutAt);
      if (!token) continue; // no ranking here: try a fresh seed from the text before the phrase
      const start = end - token.text.length;
      const shownOfToken = (one.texts[0] ?? '').slice(start, cutAt);
      const before = written();
      const choice = token.alternatives.find((a) => a.text !== token.text && a.text.startsWith(shownOfToken) && a.text.length > shownOfToken.length && bans.safeLength(before + a.text.slice(shownOfToken.length)) === before.length + a.text.length - shownOfToken.length);
      this.log.debug(`Banned phrase at ${written().length} characters: ${choice ? `stepped to the server's next choice ${JSON.stringify(choice.text)}` : 'no usable next choice; trying a fresh seed'}.`);
      if (choice) onPiece(0, choice.text.slice(shownOfToken.length));
    }
    return { text: strip(written()), stopReason, usage };
  }

  /**
   * One completion request, streamed: the text of each sample as it arrives, why each ended,
   * and what the server says it spent. Stop strings are also applied here (a server may cap
   * their number), and the request is cut as soon as every sample has stopped.
   */
  private async complete(dialect: ServerDialect, call: CompletionCall, signal: AbortSignal, onPiece?: (index: number, text: string) => void): Promise<Completion> {
    const context = this.probe?.contextLength;
    // Story notes stand before the prompt, whole; the prompt's start is cut to leave them room.
    const notes = call.notes ?? '';
    const room = (cpt: number) => (context ? Math.max(call.maxTokens + 32, context - Math.ceil(notes.length / cpt)) : 0);
    const fitted = context ? fitPrompt(call.prompt, room(this.charsPerToken), call.maxTokens, this.charsPerToken) : { text: call.prompt, cut: 0 };
    try {
      const answer = await this.completeOnce(dialect, { ...call, prompt: notes + fitted.text }, signal, onPiece);
      const evaluated = answer.usage.promptTokens;
      // Learnt only when clearly off: every change of the estimate may move the cut (and lose the cache).
      const observed = evaluated && evaluated > 32 ? (notes.length + fitted.text.length) / evaluated : 0;
      if (observed && Math.abs(observed - this.charsPerToken) / this.charsPerToken > 0.2) this.charsPerToken = observed * 0.95;
      return answer;
    } catch (e) {
      // The estimate was off: learn the server's count from its refusal and cut once more.
      if (e instanceof EngineRequestError && e.code === 'server-context-exceeded' && context && !signal.aborted) {
        const told = /\((\d+) tokens\)[^(]*\((\d+) tokens\)|requested (\d+) tokens/.exec(e.message);
        const tokens = told ? Number(told[1] ?? told[3]) : 0;
        this.charsPerToken = tokens > 0 ? Math.min(this.charsPerToken, ((notes.length + fitted.text.length) / tokens) * 0.95) : this.charsPerToken * 0.7;
        const again = fitPrompt(call.prompt, room(this.charsPerToken), call.maxTokens, this.charsPerToken);
        if (again.text.length < fitted.text.length) return this.completeOnce(dialect, { ...call, prompt: notes + again.text }, signal, onPiece);
      }
      throw e;
    }
  }


  private async completeOnce(dialect: ServerDialect, call: CompletionCall, signal: AbortSignal, onPiece?: (index: number, text: string) => void): Promise<Completion> {
    const { path, body } = dialect.request(call);
    const texts: string[] = [];
    const tokens: GeneratedToken[] = [];
    const stops: StopReason[] = [];
    // Banned phrases: a sample is cut where one begins (the rest is never shown), and text that
    // could still become one is held back until it cannot.
    const bans = new BannedPhrases(call.sampling.bannedPhrases);
    const banned: (number | undefined)[] = [];
    const shown: number[] = [];
    const show = (index: number) => {
      const text = texts[index] ?? '';
      const upTo = bans.empty || stops[index] ? text.length : bans.safeLength(text);
      const from = shown[index] ?? 0;
      if (upTo > from) {
        shown[index] = upTo;
        onPiece?.(index, text.slice(from, upTo));
      }
    };
    const cutAtBan = (index: number, final: boolean) => {
      const match = bans.find(texts[index] ?? '', final);
      if (!match) return;
      texts[index] = texts[index]!.slice(0, match.start);
      banned[index] = match.start;
      stops[index] = 'stop';
    };
    let usage: Usage = {};
    let finished = false;
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const take = (event: unknown) => {
      const out = event === '[DONE]' ? dialect.read('[DONE]') : dialect.read(event);
      if (out.error) throw this.streamError(out.error);
      for (const p of out.pieces) {
        if (stops[p.index]) continue;
        const before = texts[p.index] ?? '';
        // U+FFFD is bytes no character has (a model spelling a script it does not know in byte
        // tokens): servers hold back a character still arriving, so what comes as U+FFFD stays broken.
        let now = before + p.text.replace(/\uFFFD/g, '');
        const at = findStop(now, call.stop, before.length);
        if (at >= 0) {
          now = now.slice(0, at);
          stops[p.index] = 'stop';
        }
        texts[p.index] = now;
        if (!bans.empty) cutAtBan(p.index, stops[p.index] !== undefined);
        show(p.index);
      }
      for (const e of out.ends) {
        if (stops[e.index]) continue;
        stops[e.index] = e.stop;
        if (!bans.empty) cutAtBan(e.index, true);
        show(e.index);
      }
      for (const t of out.tokens ?? []) if (t.index === 0 && !stops[0]) tokens.push(t.token);
      if (out.usage) usage = { ...usage, ...Object.fromEntries(Object.entries(out.usage).filter(([, v]) => v !== undefined)) };
      if (out.done) finished = true;
      // Every sample has what it keeps: no need to wait for the rest.
      if (!finished && call.n === 1 && stops[0] === 'stop') local.abort();
    };
    const parser = dialect.streamFormat === 'sse' ? new SseParser((data) => take(data === '[DONE]' ? '[DONE]' : parseJson(data))) : new NdjsonParser((line) => take(parseJson(line)));
    try {
      await httpRequest('POST', this.options.url + path, body, { signal: local.signal, headers: await this.headers(), connectTimeoutMs: this.options.connectTimeoutMs ?? 5000, silenceTimeoutMs: this.options.silenceTimeoutMs ?? 30000 }, (chunk) => parser.feed(chunk));
      parser.end();
    } catch (e) {
      // Cut by us once the stop string came: the text is complete.
      if (!(e instanceof HttpFailure && e.kind === 'aborted' && !signal.aborted && stops[0] === 'stop')) {
        if (e instanceof HttpFailure && e.kind === 'status') throw this.statusError(dialect, e.status!, e.body ?? '', call.grammar !== undefined);
        throw e;
      }
      finished = true;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (!finished && !signal.aborted) throw new HttpFailure('cut', 'the answer ended before the server said it was done');
    return { texts, stops, usage, tokens, banned };
  }

  private async headers(): Promise<Record<string, string>> {
    const key = await this.options.apiKey?.();
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  private ensureProbe(signal: AbortSignal): Promise<ServerProbe> {
    if (this.probe) return Promise.resolve(this.probe);
    this.probed ??= (async () => {
      this.setState('connecting');
      try {
        const probe = await probeServer(this.options.url, { kind: this.options.kind, model: this.options.model, http: { connectTimeoutMs: this.options.connectTimeoutMs ?? 5000, headers: await this.headers() } });
        this.probe = probe;
        this.log.info(`Server at ${this.where}: ${describeProbe(probe)}.`);
        this.setState('ready');
        return probe;
      } catch (e) {
        this.probed = null;
        throw e;
      }
    })();
    // The probe is shared; one caller giving up does not stop it for the others.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new HttpFailure('aborted', 'The request was cancelled.'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.probed!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Says once which of the writer's sampling settings this server does not honour. */
  private warnIgnored(dialect: ServerDialect, settings: SamplingSettings): void {
    const ignored = ignoredSettings(dialect.capabilities, settings);
    if (!ignored.length) return;
    const key = ignored.join(',');
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(`${SERVER_NAMES[dialect.kind]} at ${this.where} has no ${ignored.join(', ')}: ${ignored.length === 1 ? 'that setting is' : 'those settings are'} ignored there.`);
  }

  private name(): string {
    const kind = this.probe?.kind ?? (this.options.kind === 'auto' ? 'openai' : this.options.kind);
    return kind === 'openai' ? msg('The server') : SERVER_NAMES[kind];
  }

  private statusError(dialect: ServerDialect, status: number, body: string, sentGrammar: boolean): EngineRequestError {
    const { kind, message } = dialect.error(status, body);
    const who = msg('{0} at {1}', this.name(), this.where);
    switch (kind) {
      case 'unauthorized':
        return new EngineRequestError('server-unauthorized', msg('{0} refused Inkling\'s credentials (HTTP {1}). Set its key with "Inkling: Set Server API Key".', who, status));
      case 'model-missing':
        return new EngineRequestError('server-model-missing', msg('{0} has no model "{1}" ({2}). Choose one of its models in inkling.server.model.', who, this.options.model, message));
      case 'context-exceeded':
        return new EngineRequestError('server-context-exceeded', msg('The text sent to {0} does not fit its context ({1}). Start the server with a larger context.', who, message));
      case 'grammar-rejected':
        if (sentGrammar) return new EngineRequestError('server-grammar-rejected', msg('{0} rejected the grammar Inkling sent to keep the form ({1}).', who, message));
        return new EngineRequestError('server-failed', msg('{0} answered HTTP {1}: {2}', who, status, message));
      default:
        return new EngineRequestError('server-failed', msg('{0} answered HTTP {1}: {2}', who, status, message));
    }
  }

  private streamError(error: { status?: number; message: string; type?: string }): HttpFailure {
    return new HttpFailure('status', error.message, error.status ?? 500, JSON.stringify({ error }));
  }

  private toRequestError(e: unknown): EngineRequestError {
    if (e instanceof EngineRequestError) return e;
    const who = msg('{0} at {1}', this.name(), this.where);
    if (e instanceof MissingModel) return new EngineRequestError('server-model-missing', msg('{0} has no model "{1}"; it has {2}. Set inkling.server.model to one of them.', who, e.model, e.available.slice(0, 8).join(', ')));
    if (e instanceof HttpFailure) {
      const code: ErrorCode = e.kind === 'refused' || e.kind === 'unknown-host' || e.kind === 'timeout' || e.kind === 'closed' ? 'server-unreachable' : 'server-failed';
      switch (e.kind) {
        case 'refused':
          return new EngineRequestError(code, msg('{0} refused the connection — is it running?', who));
        case 'closed':
          this.probe = null;
          this.probed = null;
          return new EngineRequestError(code, msg('{0} closed the connection before answering — is it running?', who));
        case 'unknown-host':
          return new EngineRequestError(code, msg('Inkling cannot find the server {0}: check inkling.server.url.', this.where));
        case 'timeout':
          return new EngineRequestError(code, msg('{0} did not answer within {1} s.', who, Math.round((this.options.connectTimeoutMs ?? 5000) / 1000)));
        case 'silence':
        case 'cut':
          // A cut stream may mean the server went away: look again next time.
          this.probe = null;
          this.probed = null;
          return new EngineRequestError(code, msg('{0} stopped answering halfway; nothing was inserted. The next request tries again.', who));
        case 'status':
          return this.statusError(DIALECTS[this.probe?.kind ?? 'openai'], e.status ?? 500, e.body ?? '', false);
        default:
          return new EngineRequestError(code, msg('{0} could not be reached: {1}.', who, e.message));
      }
    }
    return new EngineRequestError('server-failed', msg('{0}: {1}', who, (e as Error)?.message ?? String(e)));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpFailure('other', `the server sent something that is not JSON: ${text.slice(0, 80)}`);
  }
}

function describeProbe(p: ServerProbe): string {
  return [`${p.kind}${p.version ? ` ${p.version}` : ''}`, `model ${p.modelLabel}`, p.contextLength ? `context ${p.contextLength} tokens` : ''].filter(Boolean).join(', ');
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
