/**
 * Shaping a row of logits in place: banning, boosting, keeping only a set, and the probability
 * a set holds. Every pass touches the vocabulary once; none allocates per token.
 */
import type { VocabularyIndex } from '../tokens/vocabularyIndex';

/** Probability the model gives the tokens `has` picks (before temperature and filters). */
export function probabilityMass(logits: Float32Array, has: (id: number) => boolean): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return 0;
  let total = 0;
  let mass = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = Math.exp(logits[i]! - max);
    total += p;
    if (has(i)) mass += p;
  }
  return mass / total;
}

/** Bans the tokens. */
export function ban(logits: Float32Array, ids: readonly number[]): void {
  for (const id of ids) if (id < logits.length) logits[id] = -Infinity;
}

/** Adds `by` to the tokens' logits. */
export function boost(logits: Float32Array, ids: readonly number[], by: number): void {
  for (const id of ids) if (id < logits.length) logits[id] = logits[id]! + by;
}

/** Tokens that would start another word: a leading space, or a letter after a space or a mark. */
export function banNewWords(logits: Float32Array, v: VocabularyIndex, endsInWord: boolean): void {
  for (let id = 0; id < logits.length && id < v.size; id++) {
    if (v.startsWord[id] === 1 || (!endsInWord && v.startsWithLetter[id] === 1)) logits[id] = -Infinity;
  }
}

/**
 * Leaves only the allowed tokens. If the model gives none of them any chance (all -Infinity
 * already), the row is left as it was: a constraint never leaves nothing to sample.
 */
export function keepOnly(logits: Float32Array, allowed: (id: number) => boolean, witnesses: readonly number[]): void {
  if (!witnesses.some((id) => id < logits.length && logits[id]! > -Infinity) && !anyAllowed(logits, allowed)) return;
  for (let id = 0; id < logits.length; id++) if (!allowed(id)) logits[id] = -Infinity;
}

function anyAllowed(logits: Float32Array, allowed: (id: number) => boolean): boolean {
  for (let id = 0; id < logits.length; id++) if (logits[id]! > -Infinity && allowed(id)) return true;
  return false;
}
