/**
 * The types every side shares — the writing requests, the engines (the local worker and the
 * servers), the extension and the CLI: what is asked of an engine, what it answers, how it can
 * fail, and what it can do. This module imports nothing, so pure code can use it as freely as
 * the worker and the host.
 */

export type DecodingStrategy = 'sample' | 'greedy' | 'beam';

/** The writer's sampling settings, validated (see writing/settings/samplingSettings.ts for defaults and limits). */
export interface SamplingSettings {
  strategy: DecodingStrategy;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  maxNewTokens: number;
  numBeams: number;
  /** null: a fresh random seed per request (reported back, so any run can be repeated). */
  seed: number | null;
  stopStrings: string[];
  /** DRY: penalise a token that would extend a repetition of the text; 0 = off. */
  dryMultiplier: number;
  /** DRY: how fast the penalty grows with the repetition's length. */
  dryBase: number;
  /** DRY: repetitions up to this many tokens are free. */
  dryAllowedLength: number;
  /** DRY: texts that end a repetition (a line break, a colon, quotes). */
  drySequenceBreakers: string[];
  /** XTC: how often the likeliest choices are set aside for the least likely of them above the threshold; 0 = off. */
  xtcProbability: number;
  /** XTC: choices at least this likely count as "top choices". */
  xtcThreshold: number;
  /** Phrases never to write (case-insensitive, whole words). */
  bannedPhrases: string[];
}

/**
 * Form-keeping decoding (verse): the engine plans each line from the poem as it grows (its
 * typical length, whether it closes a stanza, which earlier line it rhymes with) and keeps that
 * form — the worker by shaping logits, a server by a grammar or by choosing among candidates.
 * Every switch defaults to on; `{}` keeps lines and stanzas, no rhyme. With lineLength, stanzas
 * and rhyme all off only `lines` applies: plain sampling that stops after N lines.
 */
export interface FormConstraint {
  /**
   * Prose instead of verse (a command's paragraph): while a sentence is open, no line break and
   * no end of text, so the paragraph ends after a sentence and not on a comma. Every verse field
   * is then ignored. The worker shapes logits for it; a server samples plainly, and the request's
   * cut keeps whole sentences.
   */
  paragraph?: boolean;
  /** Steer each line toward the poem's length (syllables; characters in CJK text). */
  lineLength?: boolean;
  /** A blank line where the form's stanza ends, and none inside a stanza. */
  stanzas?: boolean;
  /** Rhyme mode: a line the scheme rhymes with an earlier one ends in a strict rhyme of it. Default off. */
  rhyme?: boolean;
  /** Target length of the first line (the one the continuation completes or starts), overriding the plan. */
  firstLineLength?: number;
  /** Word the first line should rhyme with (rhyme mode; null: none), overriding the plan. */
  firstLineRhyme?: string | null;
  /** Stop after this many lines (blank lines not counted), at the line break: stop reason 'form'. */
  lines?: number;
  /**
   * A song with labelled verses and a chorus: after a verse, bring the chorus back word for word
   * (`repeat`, the default), its first line then new lines in its pattern (`vary`), or write
   * another verse (`off`). A section label is never counted as a line.
   */
  chorus?: 'repeat' | 'vary' | 'off';
  /**
   * With `lines` (a command's continuation) in a poem with a metre: candidates written of each
   * line, the one keeping the poem's foot kept (worker only; 1: one line as sampled). Default
   * DEFAULT_LINE_CANDIDATES; token probabilities asked for are the chosen lines'.
   */
  lineCandidates?: number;
}

/** Candidates written of each line of a command's verse continuation unless the request says otherwise. */
export const DEFAULT_LINE_CANDIDATES = 2;

/**
 * One request to an engine. A prompt that ends in spaces or tabs asks for a new word: every
 * engine continues it with one, and the text it returns does not repeat the blank (see
 * writing/prompts/text/promptEnd.ts).
 */
export interface GenerateParams {
  prompt: string;
  sampling: Partial<SamplingSettings>;
  /** Number of distinct samples to return (alternatives); 1 for a single continuation. */
  n?: number;
  /** Requests with the same caller supersede each other: the older ends as cancelled. */
  caller?: string;
  /** Stream `token` events (the CLI and commands do; ghost text only needs `done`). */
  stream?: boolean;
  /** Keep the poem's form while decoding (see FormConstraint); absent: plain sampling. */
  form?: FormConstraint;
  /** Report each generated token's probability and its N likeliest alternatives (0 or absent: none). */
  probabilities?: number;
  /**
   * Story notes to read before the prompt (writing/prompts/outline/storyNotes.ts). Engines keep them whole and
   * cut the prompt's start instead when both do not fit the model's context.
   */
  notes?: string;
  /**
   * The document before the cursor (the prompt is its end), which the model is not shown: form
   * planning reads how the poems before this one rhymed their stanzas from it, for rhyme mode's
   * guess at a first stanza's scheme (writing/verse/scheme/schemeHabit.ts). At most FORM_CONTEXT_CHARS.
   */
  formContext?: string;
  /**
   * The host's only: the text before the cursor in which story notes look for their keys, where
   * the caller has more of it than the prompt (ghost text on the worker reads 1,000 characters,
   * the notes' scan 2,000 by default). The extension's engine service reads it and never sends it.
   */
  notesText?: string;
}

/** The most of the document a request carries for form planning (`formContext`): twice what is read before the poem. */
export const FORM_CONTEXT_CHARS = 24_000;

/** One choice at a token: its text and its probability after the sampling filters. */
export interface TokenChoice {
  text: string;
  probability: number;
}

/** A generated token, how likely it was, and what else could have come there (likeliest first). */
export interface GeneratedToken extends TokenChoice {
  alternatives: TokenChoice[];
}

export type StopReason = 'eos' | 'length' | 'stop' | 'cancelled' | 'form';

export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens whose KV cache was reused from the previous request. */
  reusedTokens: number;
  newTokens: number;
  timeToFirstTokenMs: number;
  totalMs: number;
  tokensPerSecond: number;
  seed: number;
  model: string;
  /** When cancelled: tokens the engine generated after the cancel reached it. */
  tokensAfterCancel?: number;
  /** Server engines: the time the server itself reports for the request (prompt + generation), ms. */
  serverMs?: number;
  /**
   * The share of the prompt's tokens that spell part of a character byte by byte (0–1), where
   * the engine can tell: near 1 when the model does not know the text's script (UNFAMILIAR_SCRIPT).
   */
  spelledInBytes?: number;
}

/** From this share of a prompt spelled in bytes, the model is taken not to know the text's script. */
export const UNFAMILIAR_SCRIPT = 0.5;

export interface GeneratedSample {
  text: string;
  stopReason: StopReason;
  seed: number;
  /** Mean log-probability per new token under the unmodified model (before penalties and filters); 0 when the engine does not report it. */
  meanLogProb: number;
  /** Beam search only: the length-normalised score the beams were ranked by. */
  score?: number;
}

export interface GenerationResult {
  text: string;
  stopReason: StopReason;
  /** Mean log-probability per new token; reported with `probabilities` and by beam search, else 0. */
  meanLogProb: number;
  /** With n > 1 samples, or beam search: every sample (beams best first); `text` is the first. */
  alternatives?: GeneratedSample[];
  /** With `probabilities`: the first sample's tokens, where the engine can report them. */
  tokens?: GeneratedToken[];
  stats: GenerationStats;
}

export type ErrorCode =
  | 'model-missing'
  | 'model-invalid'
  | 'model-load-failed'
  | 'no-model'
  | 'bad-request'
  | 'generation-failed'
  | 'protocol-mismatch'
  | 'worker-crashed'
  /** The server could not be reached (refused, unknown host, timed out connecting). */
  | 'server-unreachable'
  /** The server refused the credentials (401/403). */
  | 'server-unauthorized'
  /** The server does not have the model asked for. */
  | 'server-model-missing'
  /** The prompt does not fit the server's context. */
  | 'server-context-exceeded'
  /** The server rejected a grammar Inkling sent. */
  | 'server-grammar-rejected'
  /** The server answered with something Inkling cannot use, or stopped answering mid-stream. */
  | 'server-failed'
  /** The server settings are unusable (no URL, plain http to another machine not allowed). */
  | 'server-settings';

/** Where an engine is in its life, for the status bar. */
export type EngineState = 'stopped' | 'starting' | 'connecting' | 'loading' | 'ready' | 'generating' | 'error';

/** The sampling settings an engine may honour. */
export type SamplerName = 'temperature' | 'topK' | 'topP' | 'minP' | 'typicalP' | 'repetitionPenalty' | 'noRepeatNgramSize' | 'seed' | 'beam' | 'stopStrings' | 'dry' | 'xtc' | 'bannedPhrases';

/** What an engine can do; callers adapt, and say once what a server lacks. */
export interface EngineCapabilities {
  /** Constrained decoding by a grammar (llama.cpp GBNF, vLLM structured outputs). */
  grammar: boolean;
  /** Form-keeping inside the decode loop (the local worker shapes logits token by token). */
  logitSteering: boolean;
  /** Per-token probabilities can be returned. */
  tokenProbabilities: boolean;
  /** Several samples of one prompt in one request. */
  batch: boolean;
  /** The sampling settings it honours; the others are ignored by this engine. */
  samplers: readonly SamplerName[];
}

/** What an engine is, for the status bar hover and the sampling panel. */
export interface EngineDescription {
  /** 'local' for Inkling's worker; otherwise the kind of server found. */
  kind: 'local' | 'llama.cpp' | 'vllm' | 'ollama' | 'openai';
  /** The model's name as the engine reports it. */
  model: string;
  /** Context length in tokens, when known. */
  contextLength?: number;
  /** The server's version (llama.cpp build, vLLM, Ollama), when it says. */
  version?: string;
  /** Where the server is (origin only: never a key or a path with secrets). */
  url?: string;
  /** More about it: the model folder and precision for the worker. */
  detail?: string;
}
