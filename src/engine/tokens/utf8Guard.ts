/**
 * Keeps a continuation valid UTF-8. A byte-level vocabulary (SentencePiece's byte fallback
 * `<0xE4>`, GPT-2's byte-level BPE) can spell a character in pieces, and a model that does not
 * know a script (Inkling's own model on Chinese verse) samples those pieces in orders no
 * character has: the writer got U+FFFD after U+FFFD. Here each step allows only the tokens whose
 * bytes can follow the bytes written so far: inside a character only its remaining bytes, between
 * characters never a stray continuation byte; a special token (end of text) only between
 * characters. What the model writes stays text, whatever the script — and never a control
 * character (a random 135M-shaped model wrote U+0006), tab and line breaks aside.
 */

/**
 * Decoder states: what the next byte must be. 0: between characters; 1: the last byte of a
 * character; 2–4: two bytes to go (the first in 80–BF, A0–BF after E0, 80–9F after ED); 5–7:
 * three to go (80–BF, 90–BF after F0, 80–8F after F4). Overlong forms and surrogates are out.
 */
const STATES = 8;

/** The state after `byte` in `state`, or -1 when the byte cannot come there. */
export function utf8Step(state: number, byte: number): number {
  switch (state) {
    case 0:
      if (byte < 0x80) return 0;
      if (byte >= 0xc2 && byte <= 0xdf) return 1;
      if (byte === 0xe0) return 3;
      if (byte === 0xed) return 4;
      if (byte >= 0xe1 && byte <= 0xef) return 2;
      if (byte === 0xf0) return 6;
      if (byte >= 0xf1 && byte <= 0xf3) return 5;
      if (byte === 0xf4) return 7;
      return -1;
    case 1:
      return byte >= 0x80 && byte <= 0xbf ? 0 : -1;
    case 2:
      return byte >= 0x80 && byte <= 0xbf ? 1 : -1;
    case 3:
      return byte >= 0xa0 && byte <= 0xbf ? 1 : -1;
    case 4:
      return byte >= 0x80 && byte <= 0x9f ? 1 : -1;
    case 5:
      return byte >= 0x80 && byte <= 0xbf ? 2 : -1;
    case 6:
      return byte >= 0x90 && byte <= 0xbf ? 2 : -1;
    case 7:
      return byte >= 0x80 && byte <= 0x8f ? 2 : -1;
    default:
      return -1;
  }
}

export class Utf8Guard {
  /** Per state, 1 for each token that may come there (built on first use). */
  private readonly allowed: (Uint8Array | undefined)[] = new Array(STATES);
  /** Tokens that may never come between characters (they begin inside one): few. */
  private banned0: number[] | null = null;
  /** 1 for each token that holds part of a character (built on first use). */
  private partial: Uint8Array | null = null;

  private constructor(
    /** Every token's bytes, one after another. */
    private readonly bytes: Uint8Array,
    /** Token i's bytes are bytes[start[i] .. start[i + 1]). */
    private readonly start: Int32Array,
    /** 1 for a special token (no text: end of text, padding): it may come only between characters. */
    private readonly special: Uint8Array,
  ) {}

  /**
   * The guard for a vocabulary of `count` tokens whose bytes `bytesOf` gives (null: a special
   * token), or null when no token holds part of a character — then there is nothing to guard.
   */
  static build(count: number, bytesOf: (id: number) => Uint8Array | null): Utf8Guard | null {
    const pieces: (Uint8Array | null)[] = new Array(count);
    let total = 0;
    let partial = false;
    for (let id = 0; id < count; id++) {
      const b = bytesOf(id);
      pieces[id] = b;
      if (!b) continue;
      total += b.length;
      if (!partial && runBytes(0, b, 0, b.length) !== 0) partial = true;
    }
    if (!partial) return null;
    const bytes = new Uint8Array(total);
    const start = new Int32Array(count + 1);
    const special = new Uint8Array(count);
    let at = 0;
    for (let id = 0; id < count; id++) {
      start[id] = at;
      const b = pieces[id];
      if (!b) special[id] = 1;
      else {
        bytes.set(b, at);
        at += b.length;
      }
    }
    start[count] = at;
    return new Utf8Guard(bytes, start, special);
  }

  /**
   * The decoder's state after `tokens` (a prompt and what followed it). Only the last character
   * matters, so this reads back at most four bytes; bytes that are already no character (which
   * the guard never writes, but a prompt's tokens may hold) count as a fresh start.
   */
  stateAfter(tokens: readonly number[]): number {
    const tail: number[] = [];
    let found = -1;
    for (let t = tokens.length - 1; t >= 0 && found < 0 && tail.length < 4; t--) {
      const id = tokens[t]!;
      if (id < 0 || id >= this.special.length || this.special[id]) break;
      for (let i = this.start[id + 1]! - 1; i >= this.start[id]!; i--) {
        const b = this.bytes[i]!;
        tail.push(b);
        if (b < 0x80 || b >= 0xc0) {
          found = tail.length - 1;
          break;
        }
        if (tail.length === 4) break;
      }
    }
    if (found < 0) return 0;
    let state = 0;
    for (let i = found; i >= 0; i--) {
      state = utf8Step(state, tail[i]!);
      if (state < 0) return 0;
    }
    return state;
  }

  /**
   * Forbids in `logits` the tokens that cannot follow in `state`. If the row gives none of the
   * allowed tokens any chance, it is left as it was: a constraint never leaves nothing to sample.
   */
  shape(logits: Float32Array, state: number): void {
    if (state === 0) {
      for (const id of this.bannedBetween()) if (id < logits.length) logits[id] = -Infinity;
      return;
    }
    const ok = this.allowedIn(state);
    const n = Math.min(logits.length, ok.length);
    let any = false;
    for (let id = 0; id < n && !any; id++) if (ok[id] && logits[id]! > -Infinity) any = true;
    if (!any) return;
    for (let id = 0; id < logits.length; id++) if (id >= n || !ok[id]) logits[id] = -Infinity;
  }

  /**
   * The share of `tokens` (special ones aside) that hold part of a character, not whole ones: near
   * 0 for a text in a script the vocabulary knows, near 1 for one it can only spell in bytes.
   */
  spelledInBytes(tokens: readonly number[]): number {
    if (!this.partial) {
      const count = this.special.length;
      this.partial = new Uint8Array(count);
      for (let id = 0; id < count; id++) if (!this.special[id] && runBytes(0, this.bytes, this.start[id]!, this.start[id + 1]!) !== 0) this.partial[id] = 1;
    }
    let counted = 0;
    let partial = 0;
    for (const id of tokens) {
      if (id < 0 || id >= this.partial.length || this.special[id]) continue;
      counted++;
      partial += this.partial[id]!;
    }
    return counted > 0 ? partial / counted : 0;
  }

  /** Whether `id` may follow in `state` (tests, diagnostics). */
  allows(state: number, id: number): boolean {
    return this.allowedIn(state)[id] === 1;
  }

  private holdsControl(id: number): boolean {
    for (let i = this.start[id]!; i < this.start[id + 1]!; i++) if (isControl(this.bytes[i]!)) return true;
    return false;
  }

  private bannedBetween(): number[] {
    if (!this.banned0) {
      const ok = this.allowedIn(0);
      this.banned0 = [];
      for (let id = 0; id < ok.length; id++) if (!ok[id]) this.banned0.push(id);
    }
    return this.banned0;
  }

  private allowedIn(state: number): Uint8Array {
    let ok = this.allowed[state];
    if (!ok) {
      const count = this.special.length;
      ok = new Uint8Array(count);
      for (let id = 0; id < count; id++) {
        if (this.special[id]) ok[id] = state === 0 ? 1 : 0;
        else ok[id] = runBytes(state, this.bytes, this.start[id]!, this.start[id + 1]!) >= 0 && !this.holdsControl(id) ? 1 : 0;
      }
      this.allowed[state] = ok;
    }
    return ok;
  }
}

/** C0 control characters and DEL: invisible in the editor, never text a writer wants (tab and line breaks are text). */
function isControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

function runBytes(state: number, bytes: Uint8Array, from: number, to: number): number {
  let s = state;
  for (let i = from; i < to && s >= 0; i++) s = utf8Step(s, bytes[i]!);
  return s;
}

/**
 * How a tokenizer.json's tokens map to bytes, from its decoder: SentencePiece with byte
 * fallback (`<0x41>` is one byte, other pieces their text with the decoder's replacements,
 * `▁` → space), GPT-2's byte-level alphabet, or null for a tokenizer whose tokens are all whole
 * characters (nothing to guard). Special added tokens have no bytes.
 */
export function tokenBytesReader(tokenizerJson: object): ((token: string, id: number) => Uint8Array | null) | null {
  const json = tokenizerJson as { decoder?: unknown; added_tokens?: { id?: unknown; special?: unknown }[] };
  const decoders = flattenDecoders(json.decoder);
  const special = new Set((json.added_tokens ?? []).filter((t) => t && t.special === true && typeof t.id === 'number').map((t) => t.id as number));
  const utf8 = new TextEncoder();
  if (decoders.some((d) => d.type === 'ByteLevel')) {
    const byteOf = byteLevelAlphabet();
    return (token, id) => {
      if (special.has(id)) return null;
      const out: number[] = [];
      for (const ch of token) {
        const b = byteOf.get(ch);
        if (b === undefined) return utf8.encode(token); // not from the alphabet: an added token's plain text
        out.push(b);
      }
      return Uint8Array.from(out);
    };
  }
  if (decoders.some((d) => d.type === 'ByteFallback')) {
    const replace = decoders
      .filter((d) => d.type === 'Replace' && typeof (d.pattern as { String?: unknown } | undefined)?.String === 'string' && typeof d.content === 'string')
      .map((d) => [(d.pattern as { String: string }).String, d.content as string] as const);
    return (token, id) => {
      if (special.has(id)) return null;
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
      if (m) return Uint8Array.of(parseInt(m[1]!, 16));
      let text = token;
      for (const [from, to] of replace) text = text.split(from).join(to);
      return utf8.encode(text);
    };
  }
  return null;
}

function flattenDecoders(decoder: unknown): { type?: unknown; pattern?: unknown; content?: unknown }[] {
  if (!decoder || typeof decoder !== 'object') return [];
  const d = decoder as { type?: unknown; decoders?: unknown };
  if (d.type === 'Sequence' && Array.isArray(d.decoders)) return d.decoders.flatMap(flattenDecoders);
  return [d as { type?: unknown }];
}

/** GPT-2's bytes_to_unicode, inverted: the printable character that stands for each byte. */
function byteLevelAlphabet(): Map<string, number> {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const map = new Map<string, number>();
  const kept = new Set(keep);
  for (const b of keep) map.set(String.fromCharCode(b), b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) map.set(String.fromCharCode(256 + extra++), b);
  return map;
}
