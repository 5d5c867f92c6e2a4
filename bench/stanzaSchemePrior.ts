/**
 * Counts behind SCHEME_PRIOR (src/writing/verse/scheme/schemePrior.ts): in the first stanza of every
 * poem of a folder (its first 16 lines), how often the next line rhymes with the line one, two,
 * three or four back, or with none of them, given the rhyme letters read from the lines before it
 * (their last four, relettered). The next line's partner is the poem's own, read from the whole
 * poem (poemTruth.ts), as eval-form scores it; the letters before it are read as the planner reads
 * them, from those lines alone; and the same again under the state with the lines' shape
 * (indentation, length: priorKeys). With `--write FILE`, the table (keys seen MIN_SEEN times or
 * more) is written there as JSON, as src/writing/verse/scheme/schemePrior.json keeps it.
 *
 *   node scripts/build.mjs && node out/bench/stanzaSchemePrior.js DIR [--write FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { splitPoems } from '../src/writing/verse/poem/poemCollection';
import { poemTruth } from '../src/writing/verse/poem/poemTruth';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';
import { lineRhymeKey } from '../src/writing/verse/sound/rhyme';
import { countLineSyllables } from '../src/writing/verse/sound/syllables';
import { detectRhymeScheme } from '../src/writing/verse/scheme/rhymeScheme';
import { MIN_SEEN, PRIOR_LINES, PRIOR_OUTCOMES, priorKeys } from '../src/writing/verse/scheme/schemePrior';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: stanzaSchemePrior DIR [--write FILE]');
  const out = args.includes('--write') ? args[args.indexOf('--write') + 1] : undefined;
  await loadPronouncingDictionary();
  const counts = new Map<string, number[]>();
  // What the lookup falls back to from each key, in priorKeys' order.
  const fallbacks = new Map<string, string[]>();
  let poems = 0;
  for (const name of readdirSync(dir).filter((n) => /\.(txt|md)$/i.test(n)).sort()) {
    for (const poem of splitPoems(readFileSync(join(dir, name), 'utf8'), basename(name))) {
      const truth = poemTruth(poem.text);
      const first = truth.lines.filter((l) => l.stanza === 0).slice(0, PRIOR_LINES);
      if (first.length < 2) continue;
      poems++;
      const rhymeKeys = first.map((l) => lineRhymeKey(l.text));
      for (let p = 1; p < first.length; p++) {
        const letters = detectRhymeScheme([rhymeKeys.slice(0, p)]).letters[0]!;
        const shape = first.slice(0, p).map((l) => ({ indent: l.indent, length: countLineSyllables(l.text) }));
        const q = first[p]!.rhymesWith;
        const back = q === null || p - q > PRIOR_OUTCOMES - 1 ? 0 : p - q;
        const keys = priorKeys(letters, shape);
        keys.forEach((key, j) => {
          if (!counts.has(key)) counts.set(key, new Array<number>(PRIOR_OUTCOMES).fill(0));
          counts.get(key)![back]!++;
          fallbacks.set(key, keys.slice(j + 1));
        });
      }
    }
  }
  process.stdout.write(`// ${poems} poems' first stanzas; per key: [none, 1 back, 2 back, 3 back, 4 back]\n`);
  const sorted = [...counts].sort((a, b) => b[1].reduce((x, y) => x + y) - a[1].reduce((x, y) => x + y) || a[0].localeCompare(b[0]));
  const often = new Map(sorted.filter(([, c]) => c.reduce((x, y) => x + y) >= MIN_SEEN));
  // A key whose counts are those of the key the lookup falls back to without it adds nothing
  // (priorPartner takes the most specific key kept): the least specific first.
  const kept = new Map<string, number[]>();
  for (const [key, c] of [...often].sort(([a], [b]) => fallbacks.get(a)!.length - fallbacks.get(b)!.length)) {
    const back = fallbacks.get(key)!.find((k) => kept.has(k));
    if (!back || kept.get(back)!.join() !== c.join()) kept.set(key, c);
  }
  for (const [key, c] of kept) if (!key.includes('|')) process.stdout.write(`  '${key}': [${c.join(', ')}],\n`);
  process.stdout.write(`${kept.size} keys seen ${MIN_SEEN} times or more, ${[...kept.keys()].filter((k) => !k.includes('|')).length} of them states alone\n`);
  if (out) writeFileSync(out, `{\n${[...kept].map(([key, c]) => `  ${JSON.stringify(key)}: [${c.join(', ')}]`).join(',\n')}\n}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
