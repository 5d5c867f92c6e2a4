// Writes src/writing/verse/sound/literature-words.json: the words of public-domain literature,
// commonest first, for the rhyme lexicon (rhymeLexicon.ts). Run it again only when the corpus
// changes; its output is committed, so neither CI nor a writer needs the corpus.
//   node scripts/literature-words.mjs [CORPUS]   (CORPUS: default ../shared/corpus-train)
//
// A word counts only where it is written in lower case, whole: names and sentence openings are
// capitalised, and a piece joined to an apostrophe ("heav'n", "'tis", "th'") is half a word.
// Kept: words seen at least MIN_COUNT times. The poetry files listed in HELD_OUT are left out, so
// that `eval-form` on them measures the rhymes on poets the list was not drawn from.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_COUNT = 3;
// The held-out half of the poetry, on which form-keeping is measured (the other half tunes it).
const HELD_OUT = new Set([
  'arnold-poetical-works.txt',
  'barrett-browning-poetical-works-vol1.txt',
  'browning-selections.txt',
  'byron-don-juan.txt',
  'coleridge-complete-poetical-works.txt',
  'dante-divine-comedy-longfellow.txt',
  'dickinson-poems.txt',
  'kjv-poetic-books.txt',
  'longfellow-complete-poetical-works.txt',
  'lowell-complete-poetical-works.txt',
  'oxford-book-of-english-verse.txt',
  'shelley-complete-poetical-works.txt',
  'swinburne-poems-and-ballads-2.txt',
  'tennyson-idylls-of-the-king.txt',
  'whittier-narrative-and-legendary-poems.txt',
  'wordsworth-poetical-works-vol1.txt',
  'yeats-poems-lyrical-and-narrative.txt',
]);

const corpus = process.argv[2] ?? '../shared/corpus-train';
const counts = new Map();
const files = [];
for (const kind of ['poetry', 'prose']) {
  for (const name of readdirSync(join(corpus, kind)).sort()) {
    if (kind === 'poetry' && HELD_OUT.has(name)) continue;
    files.push(`${kind}/${name}`);
    const text = readFileSync(join(corpus, kind, name), 'utf8');
    for (const m of text.matchAll(/[A-Za-z]+(?:'[A-Za-z]+)*/g)) {
      const word = m[0];
      const end = m.index + word.length;
      if (word.length < 2 || !/^[a-z]+$/.test(word) || text[m.index - 1] === "'" || text[end] === "'") continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
}
const words = [...counts].filter(([, n]) => n >= MIN_COUNT).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
const out = 'src/writing/verse/sound/literature-words.json';
writeFileSync(out, `[\n${words.map((w) => JSON.stringify(w)).join(',\n')}\n]\n`);
console.log(`${out}: ${words.length} words from ${files.length} files`);
