/**
 * Statistics the benchmarks share: a seeded generator, so a draw can be made again, and bootstrap
 * intervals, for figures from a machine whose runs move 15–30 % (compare inside one process,
 * interleaved, and say how sure the difference is).
 */
import { Rng } from '../src/engine/decode/sampling';

/** A seeded generator (the sampler's mulberry32), as a function. */
export function random(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The p-quantile by nearest rank (p in 0..1). */
export function quantile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))]!;
}

/** The median with its spread, `p50 (p10–p90)`, to one decimal. */
export function spread(xs: readonly number[]): string {
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return `${r1(quantile(xs, 0.5))} (${r1(quantile(xs, 0.1))}–${r1(quantile(xs, 0.9))})`;
}

/**
 * The 95 % bootstrap interval of `statistic` over `xs` (1,000 resamples with replacement, drawn
 * from `seed`): the statistic's 2.5th and 97.5th percentiles.
 */
export function bootstrapInterval(xs: readonly number[], seed: number, statistic: (xs: readonly number[]) => number = mean): [number, number] {
  const rnd = random(seed);
  const values: number[] = [];
  const resample = new Array<number>(xs.length);
  for (let b = 0; b < 1000; b++) {
    for (let i = 0; i < xs.length; i++) resample[i] = xs[Math.floor(rnd() * xs.length)]!;
    values.push(statistic(resample));
  }
  values.sort((a, b) => a - b);
  return [values[25]!, values[974]!];
}
