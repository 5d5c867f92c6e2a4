const WORD = /[\p{L}\p{N}_]/u;
const CLOSERS = /^[)\]}"'\u201D\u2019\u00BB>.,;:!?\u3002\uFF0C\uFF01\uFF1F\uFF1B\u300D\u300F\uFF09]+$/u;

/**
 * Fits a suggestion between the text before and after the cursor: drops what already follows
 * the cursor (a suggestion that ends with the next word, a closing bracket or quote, or
 * punctuation already there), drops a suggestion the text already contains, avoids a doubled
 * space at the start and a word glued to the next one at the end. Returns '' rather than a
 * whitespace-only suggestion.
 */
export function trimOverlap(suggestion: string, after: string, before = ''): string {
  let out = suggestion;
  // The writer already typed the space; a leading space from the model would double it.
  if (/[ \t]$/.test(before)) out = out.replace(/^[ \t]+/, '');
  if (!out.trim()) return '';

  const multiLine = out.includes('\n');
  const rest = multiLine ? after : after.split('\n', 1)[0];
  const following = rest.trimStart();
  if (following && following.startsWith(out.trim())) return '';

  const overlap = longestOverlap(out, rest);
  if (overlap > 0) out = out.slice(0, out.length - overlap);
  if (/\s$/.test(out) && /^\s/.test(rest)) out = out.trimEnd();
  // "a yellow|wood": a suggestion ending in a word needs a space before the word that follows.
  if (WORD.test(out[out.length - 1] ?? '') && WORD.test(rest[0] ?? '')) out += ' ';
  return out.trim() ? out : '';
}

/**
 * Length of the longest end of `suggestion` that the text after the cursor begins with, taken
 * only when it is whole words or closing punctuation, so "sea" never eats the "a" of "a day".
 */
function longestOverlap(suggestion: string, rest: string): number {
  const max = Math.min(suggestion.length, rest.length);
  for (let k = max; k > 0; k--) {
    const piece = rest.slice(0, k);
    if (!suggestion.endsWith(piece) || !piece.trim()) continue;
    if (!WORD.test(piece)) {
      if (CLOSERS.test(piece.trim())) return k;
      continue;
    }
    const beforePiece = suggestion[suggestion.length - k - 1] ?? '';
    const afterPiece = rest[k] ?? '';
    const startsClean = !WORD.test(piece[0]) || !WORD.test(beforePiece);
    const endsClean = !WORD.test(piece[piece.length - 1]) || !WORD.test(afterPiece);
    // All of the suggestion overlapping is handled by the caller's "already there" check.
    if (startsClean && endsClean && k < suggestion.length) return k;
  }
  return 0;
}
