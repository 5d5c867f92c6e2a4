/**
 * Where rhyme mode aims, without a model: each sampled poem of a folder is cut as eval-form cuts
 * it, and each line after the cut is planned from the poem's own lines before it (the poet's
 * lines stand in for generated ones). A line that rhymes with an earlier one in the poem's own
 * scheme counts as aimed right when the plan names a rhyme of that line, wrong when it names
 * another, unaimed when it names none; lines the scheme leaves free count as aimed in vain when
 * the plan names a rhyme anyway. Split by the poem's first stanza and later ones.
 *
 * With `--before N`, each poem is planned below up to N characters of its file before it (its
 * title, the poems before it), as an editor's window holds a poem written in a collection.
 *
 *   node scripts/build.mjs && node out/bench/rhymeAimOracle.js DIR [--limit 60] [--lines 4] [--before 0] [--verbose]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lineRhymeKey, rhymes } from '../src/writing/verse/sound/rhyme';
import { analyzePoemForm } from '../src/writing/verse/poem/poemForm';
import { planLine } from '../src/writing/verse/lines/linePlan';
import { cutPoem, samplePoems, splitPoems, textBefore, type CollectedPoem } from '../src/writing/verse/poem/poemCollection';
import { splitStanzas } from '../src/writing/verse/poem/poemLines';
import { poemTruth } from '../src/writing/verse/poem/poemTruth';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';

interface Tally {
  demanded: number;
  right: number;
  wrong: number;
  unaimed: number;
  free: number;
  aimedInVain: number;
}

const empty = (): Tally => ({ demanded: 0, right: 0, wrong: 0, unaimed: 0, free: 0, aimedInVain: 0 });

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: rhymeAimOracle DIR [--limit N] [--lines N] [--verbose]');
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const limit = option('--limit', 60);
  const maxLines = option('--lines', 4);
  const verbose = args.includes('--verbose');
  const beforeChars = option('--before', 0);
  await loadPronouncingDictionary();

  const names = readdirSync(dir).filter((n) => /\.(txt|md)$/i.test(n) && !/^(readme|license|licence|changelog)\b/i.test(n)).sort();
  const files: (CollectedPoem & { file: string; fileText: string })[][] = [];
  for (const name of names) {
    const fileText = readFileSync(join(dir, name), 'utf8');
    const poems = splitPoems(fileText, basename(name)).filter((p) => p.text.split('\n').filter((l) => l.trim()).length >= 3);
    if (poems.length) files.push(poems.map((p) => ({ ...p, file: name, fileText })));
  }
  const tallies = { first: empty(), later: empty() };
  for (const poem of samplePoems(files, limit)) {
    const { cutAfterLines, wanted } = cutPoem(poem.text, maxLines);
    if (wanted < 1) continue;
    const truth = poemTruth(poem.text);
    const lines = splitStanzas(poem.text).flatMap((s) => s.lines);
    for (let j = 0; j < wanted; j++) {
      const p = cutAfterLines + j;
      const here = truth.lines[p];
      if (!here) break;
      // The poem up to line p (blank line included), the poet's lines standing in for generated ones.
      const start = lines[p]!.start;
      const context = textBefore(poem.fileText, poem, beforeChars) + poem.text.slice(0, poem.text.lastIndexOf('\n', start) + 1);
      const aim = planLine(context, { rhyme: true }).rhymeWith;
      const t = here.stanza === 0 ? tallies.first : tallies.later;
      const partnerKey = here.rhymesWith === null ? null : lineRhymeKey(truth.lines[here.rhymesWith]!.text);
      if (!partnerKey) {
        t.free++;
        if (aim) {
          t.aimedInVain++;
          if (verbose) process.stdout.write(`${poem.file} "${poem.title}" line ${p + 1} (stanza ${here.stanza + 1}, position ${here.position + 1}): in vain; aims ${aim.word} where the poet wrote ${JSON.stringify(here.text.trim().split(/\s+/).at(-1))}\n`);
        }
        continue;
      }
      t.demanded++;
      const verdict = !aim ? 'unaimed' : rhymes(aim, partnerKey, 'strict') ? 'right' : 'wrong';
      t[verdict]++;
      if (verbose && verdict !== 'right') {
        process.stdout.write(`${poem.file} "${poem.title}" line ${p + 1} (stanza ${here.stanza + 1}, position ${here.position + 1}): ${verdict}; wants ${partnerKey.word}${aim ? `, aims ${aim.word}` : ''}; read ${analyzePoemForm(context, { kind: 'verse' }).scheme}, poem ${truth.form.scheme?.slice(0, 40)}\n`);
      }
    }
  }
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '—');
  for (const [name, t] of Object.entries(tallies)) {
    process.stdout.write(`${name} stanza: demanded ${t.demanded}: aimed right ${t.right} (${pct(t.right, t.demanded)}), wrong ${t.wrong}, unaimed ${t.unaimed}; free ${t.free}, aimed in vain ${t.aimedInVain} (${pct(t.aimedInVain, t.free)})\n`);
  }
  const all = { demanded: tallies.first.demanded + tallies.later.demanded, right: tallies.first.right + tallies.later.right };
  process.stdout.write(`all: aimed right ${pct(all.right, all.demanded)} of ${all.demanded}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
