/**
 * The two passes of token selection that run over the whole vocabulary or history every token,
 * against the implementations they replaced (kept below as the baseline, 2026-11-30): top-k's
 * heap (`topIndices`, k = 50 as the default settings ask) and the repetition penalty over a
 * 450-token history (a ghost-text prompt of Inkling's own model). At 4,096 and 49,152 logits;
 * variants interleaved in one process, microseconds per call, medians with their spread.
 *
 *   node out/bench/selectionBench.js [--rounds N]
 */
import { parseArgs } from 'node:util';
import { applyRepetitionPenalty, Rng, topIndices } from '../src/engine/decode/sampling';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' } } });
const rounds = Math.max(5, Number(values.rounds));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const summary = (xs: number[]) => `${quantile(xs, 0.5).toFixed(1)} (${quantile(xs, 0.1).toFixed(1)}–${quantile(xs, 0.9).toFixed(1)})`;

/** The heap with a comparison closure and a test of every value against its root (before 2026-11-30). */
function topIndicesBefore(values: ArrayLike<number>, k: number): number[] {
  const heap: number[] = [];
  const less = (a: number, b: number) => values[a]! < values[b]! || (values[a] === values[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!less(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
    } else if (less(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => values[b]! - values[a]! || a - b);
}

/** A Set of the history built per token (before 2026-11-30). */
function repetitionPenaltyBefore(logits: Float32Array, history: ArrayLike<number>, penalty: number): void {
  const seen = new Set<number>();
  for (let i = 0; i < history.length; i++) seen.add(history[i]!);
  for (const id of seen) {
    if (id < 0 || id >= logits.length) continue;
    const l = logits[id]!;
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
}

const lines = ['| logits | top-50 before, µs | top-50 now, µs | repetition penalty before, µs | now, µs |', '|---|---|---|---|---|'];
for (const V of [4096, 49_152]) {
  const rng = new Rng(V);
  // Rows shaped like a model's: most logits far below a few likely ones.
  const rows = Array.from({ length: 40 }, () => Float32Array.from({ length: V }, () => (rng.next() < 0.01 ? 4 + rng.next() * 6 : rng.next() * 8 - 8)));
  const history = Array.from({ length: 450 }, () => Math.floor(rng.next() * V));
  const t: Record<string, number[]> = { topBefore: [], topNow: [], repBefore: [], repNow: [] };
  const timed = (name: string, run: (row: Float32Array) => unknown) => {
    const start = performance.now();
    for (const row of rows) run(row);
    t[name]!.push(((performance.now() - start) * 1000) / rows.length);
  };
  for (let round = 0; round < rounds; round++) {
    const order: [string, (row: Float32Array) => unknown][] = [
      ['topBefore', (row) => topIndicesBefore(row, 50)],
      ['topNow', (row) => topIndices(row, 50)],
      ['repBefore', (row) => repetitionPenaltyBefore(row, history, 1.0001)],
      ['repNow', (row) => applyRepetitionPenalty(row, history, 1.0001)],
    ];
    if (round % 2) order.reverse();
    for (const [name, run] of order) timed(name, run);
  }
  lines.push(`| ${V} | ${summary(t.topBefore!)} | ${summary(t.topNow!)} | ${summary(t.repBefore!)} | ${summary(t.repNow!)} |`);
}
process.stdout.write(`${lines.join('\n')}\n${rounds} rounds of 40 rows each, interleaved (order alternating); a 450-token history.\n`);
