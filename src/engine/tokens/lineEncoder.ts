/**
 * Tokenizing a prompt line by line, each line once. A writer's prompt is the same 2,000
 * characters as the last one plus a word, yet a byte-pair tokenizer without a pre-tokenizer
 * (SentencePiece's kind: Llama, stories260K, Inkling's own model) runs its merges over the whole
 * text every time: ~4 ms of a ~12 ms suggestion on Inkling's own model (measured in the worker's
 * CPU profile). Where the tokenizer provably cannot merge across a line break, the ids of a text
 * are the ids of its lines, so each line is encoded once and remembered.
 *
 * Provably, because of what the tokenizer is (`lineSafe`): a BPE model whose merges never
 * involve the newline (it is a byte-fallback token, `<0x0A>`, alone), with no word prefix or
 * suffix and no dropout; no pre-tokenizer; no added token spanning a newline or stripping the
 * whitespace beside it; no whitespace collapsing in its config; and a normalizer of per-character
 * changes (replacements of strings without a newline, Unicode normal forms, lowercasing) with at
 * most a prepend at the text's start. BPE applies the lowest-ranked merge of adjacent symbols
 * first; a symbol that takes part in no merge splits the text into parts whose merges cannot
 * interact, so each part comes out as it would alone. A line after a newline is encoded after the newline ("\n" + line) and the
 * newline's own ids dropped, so it is what it is in running text (no prepended "▁").
 */

/** Encodes text without special tokens. */
export type RawEncode = (text: string) => number[];

interface NormalizerJson {
  type?: string;
  normalizers?: NormalizerJson[];
  pattern?: { String?: string; Regex?: string };
  content?: string;
  prepend?: string;
}

interface TokenizerJson {
  model?: {
    type?: string;
    byte_fallback?: boolean;
    merges?: (string | string[])[];
    vocab?: Record<string, number>;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    dropout?: number | null;
  };
  normalizer?: NormalizerJson | null;
  pre_tokenizer?: unknown;
  added_tokens?: { content?: string; lstrip?: boolean; rstrip?: boolean }[];
}

/** tokenizer_config.json settings that make the tokenizer treat the whole text at once. */
interface TokenizerConfigJson {
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
}

const PER_CHARACTER = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase']);

function normalizerSafe(n: NormalizerJson | null | undefined): boolean {
  if (!n) return true;
  switch (n.type) {
    case 'Sequence':
      return (n.normalizers ?? []).every((m) => normalizerSafe(m));
    case 'Prepend':
      // Only at the text's start (the first line is encoded as the start of the text).
      return !(n.prepend ?? '').includes('\n');
    case 'Replace':
      // A plain string (the library prefers a Regex when both are given).
      return n.pattern?.Regex === undefined && typeof n.pattern?.String === 'string' && !n.pattern.String.includes('\n') && !(n.content ?? '').includes('\n');
    default:
      return PER_CHARACTER.has(n.type ?? '');
  }
}

/**
 * Whether a tokenizer (its tokenizer.json and tokenizer_config.json) never merges across a line
 * break, so lines can be encoded apart. Beyond the merges: no word prefix or suffix (they mark a
 * text's first or last symbol), no BPE dropout, no whitespace collapsing or stripping around
 * special tokens (either could eat a newline).
 */
export function lineSafe(json: unknown, config: unknown = {}): boolean {
  const t = json as TokenizerJson;
  const c = (config ?? {}) as TokenizerConfigJson;
  const model = t?.model;
  if (!model || model.type !== 'BPE' || model.byte_fallback !== true) return false;
  if (model.continuing_subword_prefix || model.end_of_word_suffix || model.dropout) return false;
  if (c.remove_space === true || c.do_lowercase_and_remove_accent === true) return false;
  if (t.pre_tokenizer !== null && t.pre_tokenizer !== undefined) return false;
  if (!normalizerSafe(t.normalizer)) return false;
  if ((t.added_tokens ?? []).some((a) => (a.content ?? '').includes('\n') || a.lstrip === true || a.rstrip === true)) return false;
  // The newline is only ever the byte token: no piece holds it, no merge makes it.
  if (Object.keys(model.vocab ?? {}).some((piece) => piece.includes('\n') || (piece.includes('<0x0A>') && piece !== '<0x0A>'))) return false;
  return !(model.merges ?? []).some((m) => {
    const pair = Array.isArray(m) ? m.join(' ') : m;
    return pair.includes('<0x0A>') || pair.includes('\n');
  });
}

/**
 * Characters of lines remembered, in all: a ghost-text window is 2,000 characters, a command's a
 * few thousand, so this holds the last dozens of windows and stays a few hundred KB with their
 * ids, whatever a writer's lines are like (a novel's paragraph is one long line).
 */
const CACHE_CHARS = 64 * 1024;
/** Longer lines are encoded but not remembered. */
const CACHE_LINE_CHARS = 8 * 1024;

export class LineEncoder {
  private readonly cache = new Map<string, number[]>();
  private cachedChars = 0;
  private readonly anchor: number[];

  private constructor(private readonly raw: RawEncode) {
    this.anchor = raw('\n');
  }

  /** A line encoder for a tokenizer that is `lineSafe`, else null. */
  static for(json: unknown, config: unknown, raw: RawEncode): LineEncoder | null {
    return lineSafe(json, config) ? new LineEncoder(raw) : null;
  }

  /**
   * The ids `raw(text)` gives, from the ids of its lines; null if the tokenizer turned out to
   * merge a newline after all (the caller then encodes the whole text and stops using this).
   */
  encode(text: string): number[] | null {
    const at = text.indexOf('\n');
    if (at < 0 || at === text.length - 1) return this.raw(text);
    const ids = this.raw(text.slice(0, at + 1));
    let start = at + 1;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      const line = end < 0 ? text.slice(start) : text.slice(start, end + 1);
      const lineIds = this.midText(line);
      if (!lineIds) return null;
      for (const id of lineIds) ids.push(id);
      start += line.length;
    }
    return ids;
  }

  /** Lines remembered now (for tests). */
  get size(): number {
    return this.cache.size;
  }

  /** Their characters, in all (for tests). */
  get chars(): number {
    return this.cachedChars;
  }

  /** A line's ids after a newline in running text. */
  private midText(line: string): number[] | null {
    const known = this.cache.get(line);
    if (known) {
      // Most recently used last: the oldest goes first when the cache is full.
      this.cache.delete(line);
      this.cache.set(line, known);
      return known;
    }
    const withAnchor = this.raw(`\n${line}`);
    const a = this.anchor;
    for (let i = 0; i < a.length; i++) if (withAnchor[i] !== a[i]) return null;
    const ids = withAnchor.slice(a.length);
    if (line.length <= CACHE_LINE_CHARS) {
      this.cache.set(line, ids);
      this.cachedChars += line.length;
      for (const oldest of this.cache.keys()) {
        if (this.cachedChars <= CACHE_CHARS) break;
        this.cachedChars -= oldest.length;
        this.cache.delete(oldest);
      }
    }
    return ids;
  }
}
