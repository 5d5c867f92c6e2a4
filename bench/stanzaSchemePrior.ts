/**
 * Counts behind SCHEME_PRIOR (src/writing/verse/scheme/schemePrior.ts): in the first stanza of every
 * poem of a folder (its first 16 lines), how often the next line rhymes with the line one, two,
 * three or four back, or with none of them, given the rhyme letters read from the lines before it
 * (their last four, relettered). The next line's partner is the poem's own, read from the whole
 * poem (poemTruth.ts), as eval-form scores it; the letters before it are read as the planner reads
 * them, from those lines alone.
 *
 *   node scripts/build.mjs && node out/bench/stanzaSchemePrior.js DIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { splitPoems } from '../src/writing/verse/poem/poemCollection';
import { poemTruth } from '../src/writing/verse/poem/poemTruth';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';
import { lineRhymeKey } from '../src/writing/verse/sound/rhyme';
import { detectRhymeScheme } from '../src/writing/verse/scheme/rhymeScheme';
import { PRIOR_LINES, PRIOR_OUTCOMES, schemeState } from '../src/writing/verse/scheme/schemePrior';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: stanzaSchemePrior DIR');
  await loadPronouncingDictionary();
  const counts = new Map<string, number[]>();
  let poems = 0;
  for (const name of readdirSync(dir).filter((n) => /\.(txt|md)$/i.test(n)).sort()) {
    for (const poem of splitPoems(readFileSync(join(dir, name), 'utf8'), basename(name))) {
      const truth = poemTruth(poem.text);
      const first = truth.lines.filter((l) => l.stanza === 0).slice(0, PRIOR_LINES);
      if (first.length < 2) continue;
      poems++;
      const keys = first.map((l) => lineRhymeKey(l.text));
      for (let p = 1; p < first.length; p++) {
        const letters = detectRhymeScheme([keys.slice(0, p)]).letters[0]!;
        const state = schemeState(letters);
        const q = first[p]!.rhymesWith;
        const back = q === null || p - q > PRIOR_OUTCOMES - 1 ? 0 : p - q;
        if (!counts.has(state)) counts.set(state, new Array<number>(PRIOR_OUTCOMES).fill(0));
        counts.get(state)![back]!++;
      }
    }
  }
  process.stdout.write(`// ${poems} poems' first stanzas; per state: [none, 1 back, 2 back, 3 back, 4 back]\n`);
  const sorted = [...counts].sort((a, b) => b[1].reduce((x, y) => x + y) - a[1].reduce((x, y) => x + y) || a[0].localeCompare(b[0]));
  for (const [state, c] of sorted) if (c.reduce((x, y) => x + y) >= 5) process.stdout.write(`  '${state}': [${c.join(', ')}],\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
