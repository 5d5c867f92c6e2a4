/**
 * Seeded fuzzing for the hostile-input tests: a small PRNG, random JSON values and random text
 * (binary, NUL, lone surrogates, very long lines, right-to-left and CJK text, CRLF). The test
 * command runs a bounded number of cases; INKLING_FUZZ_CASES raises it for a longer run and
 * INKLING_FUZZ_SEED replays a failure (every failure message names its seed and case).
 */
export const FUZZ_CASES = Number(process.env.INKLING_FUZZ_CASES ?? 300);
export const FUZZ_SEED = Number(process.env.INKLING_FUZZ_SEED ?? 20261129);

export class Fuzz {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** mulberry32: a uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A number a settings file could hold, sensible or not. */
  number(): number {
    return this.pick([0, -0, 1, -1, 0.5, -5, 1e308, -1e308, 2 ** 53, 1e-300, 0.05, 1000, 49152, this.next() * 100 - 50, this.int(3000) - 1000]);
  }

  /** Text of every awkward kind. */
  text(maxLength = 200): string {
    const kind = this.int(9);
    const n = this.int(maxLength) + 1;
    const chars = (alphabet: readonly string[]) => Array.from({ length: n }, () => this.pick(alphabet)).join('');
    switch (kind) {
      case 0:
        return chars(['a', 'e', ' ', '\n', 'x', 'The ', 'sea', ',', '.', "'", '\t']);
      case 1:
        return chars(['\u0000', '\u0001', '\uFFFD', '\u007F', '\uFEFF']);
      case 2:
        return chars(['\uD800', '\uDC00', 'a', '\uDBFF', ' ']); // lone surrogates
      case 3:
        return chars(['ש', 'ל', 'ו', 'ם', ' ', 'ع', 'ر', 'ب', '\u202E', '\u200F']); // right to left
      case 4:
        return chars(['西', '陸', '蟬', '聲', '，', '。', '\n', 'の', '한']);
      case 5:
        return 'word '.repeat(this.int(20_000) + 1); // a very long line
      case 6:
        return chars(['line', '\r\n', '\r', '\n', '  ', '---', '```', '<!--', '-->', '# ']);
      case 7:
        return Array.from({ length: n }, () => String.fromCharCode(this.int(0x10000))).join('');
      default:
        return chars(['Shall I compare thee', '\n', ' to a summer', "'s day?", '\n\n']);
    }
  }

  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    switch (this.int(depth > 0 ? 9 : 6)) {
      case 0:
        return null;
      case 1:
        return this.next() < 0.5;
      case 2:
      case 3:
        return this.number();
      case 4:
        return this.text(40);
      case 5:
        return this.pick(['', 'sample', 'greedy', 'beam', 'server', 'local', 'auto', 'q8', 'fp32', 'http://127.0.0.1:8080', '../../etc', '\u0000']);
      case 6:
        return Array.from({ length: this.int(5) }, () => this.json(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) o[this.pick(['type', 'key', 'value', 'scope', 'name', 'path', 'id', 'params', 'prompt', '__proto__', 'constructor', this.text(8)])] = this.json(depth - 1);
        return o;
      }
    }
  }
}

/** Runs `cases` cases, each with its own seed; a failure names the seed that replays it. */
export function forEachCase(name: string, body: (fuzz: Fuzz, index: number) => void, cases = FUZZ_CASES): void {
  for (let i = 0; i < cases; i++) {
    const seed = FUZZ_SEED + i;
    try {
      body(new Fuzz(seed), i);
    } catch (e) {
      throw new Error(`${name}: case ${i} failed (replay with INKLING_FUZZ_SEED=${seed} INKLING_FUZZ_CASES=1): ${(e as Error).stack ?? e}`);
    }
  }
}
