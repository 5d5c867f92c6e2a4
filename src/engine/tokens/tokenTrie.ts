/**
 * A trie over token sequences, for constraining decoding to a set of words (the rhymes of a
 * line's partner) or marks (a CJK clause end) that the tokenizer spells in several tokens.
 */

export interface TrieNode {
  children: Map<number, TrieNode>;
  /** The word that ends at this node, or null. */
  word: string | null;
  /** Syllables of `word`. */
  syllables: number;
  /** Bit s is set when a word of s syllables (31 or more in bit 31) ends at or below this node. */
  reach: number;
}

export interface TrieEntry {
  ids: readonly number[];
  word: string;
  syllables: number;
}

/** Builds a trie; the first entry of a token sequence wins (pass commonest words first). */
export function buildTokenTrie(entries: readonly TrieEntry[]): TrieNode {
  const root = emptyNode();
  for (const entry of entries) {
    if (entry.ids.length === 0) continue;
    const bit = syllableBit(entry.syllables);
    let node = root;
    node.reach |= bit;
    for (const id of entry.ids) {
      let child = node.children.get(id);
      if (!child) {
        child = emptyNode();
        node.children.set(id, child);
      }
      node = child;
      node.reach |= bit;
    }
    if (node.word === null) {
      node.word = entry.word;
      node.syllables = entry.syllables;
    }
  }
  return root;
}

/** The reach bits of syllable counts from `low` to `high` inclusive (clamped to 1–31). */
export function syllableMask(low: number, high: number): number {
  let mask = 0;
  for (let s = Math.max(1, low); s <= Math.min(31, high); s++) mask |= syllableBit(s);
  return mask;
}

function syllableBit(syllables: number): number {
  return 1 << Math.max(0, Math.min(31, syllables));
}

function emptyNode(): TrieNode {
  return { children: new Map(), word: null, syllables: 0, reach: 0 };
}
