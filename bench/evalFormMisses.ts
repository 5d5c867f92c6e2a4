/**
 * Why eval-form's rhyme arm missed the poem's own scheme: for each generated line the poem asks
 * to rhyme, whether rhyme mode aimed at no rhyme (unaimed), at another line (aimed wrong), or at
 * the right one and the line still did not rhyme (backed off); split by the poem's first stanza
 * and later ones. Reads eval-form's JSON and the folder it ran on.
 *
 *   node scripts/build.mjs && node out/bench/evalFormMisses.js RESULT.json DIR [--verbose]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lineRhymesWith } from '../src/writing/verse/lines/lineEnding';
import { planLine } from '../src/writing/verse/lines/linePlan';
import { formContextOf } from '../src/writing/verse/scheme/schemeHabit';
import { cutPoem, splitPoems, textBefore } from '../src/writing/verse/poem/poemCollection';
import { poemTruth } from '../src/writing/verse/poem/poemTruth';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';
import { lineRhymeKey, rhymes } from '../src/writing/verse/sound/rhyme';

interface Run {
  file: string;
  title: string;
  /** Where the poem begins in its file (older reports lack it: the first poem of that title is taken). */
  at?: number;
  cutAfterLines: number;
  wanted: number;
  continuations: Record<string, { text: string }[]>;
}

async function main(): Promise<void> {
  const [json, dir] = process.argv.slice(2);
  const verbose = process.argv.includes('--verbose');
  if (!json || !dir) throw new Error('usage: evalFormMisses RESULT.json DIR');
  await loadPronouncingDictionary();
  const report = JSON.parse(readFileSync(json, 'utf8')) as { runs: Run[]; beforeChars?: number };
  // Each poem with the text before it in its file that eval-form sent for planning (--before, as formContext).
  const poems = new Map<string, { text: string; before: string }>();
  for (const name of readdirSync(dir).filter((n) => /\.(txt|md)$/i.test(n))) {
    const fileText = readFileSync(join(dir, name), 'utf8');
    for (const p of splitPoems(fileText, basename(name))) {
      const entry = { text: p.text, get before() { return textBefore(fileText, p, report.beforeChars ?? 0); } };
      poems.set(`${name}\u0000${p.at}`, entry);
      if (!poems.has(`${name}\u0000${p.title}`)) poems.set(`${name}\u0000${p.title}`, entry);
    }
  }
  const tally: Record<string, Record<string, number>> = { first: {}, later: {} };
  for (const run of report.runs) {
    const poem = poems.get(`${run.file}\u0000${run.at ?? run.title}`);
    if (!poem) continue;
    const original = poem.text;
    const truth = poemTruth(original);
    // Planned as the worker planned it: the cut poem and what it wrote, the text before the poem as formContext.
    const prompt = cutPoem(original, 4).prompt;
    const context = poem.before ? formContextOf(poem.before + prompt) : undefined;
    for (const c of run.continuations.rhyme ?? []) {
      const generated = [...c.text.matchAll(/[^\n]+/g)].filter((m) => /[\p{L}\p{N}]/u.test(m[0])).slice(0, run.wanted);
      generated.forEach((m, j) => {
        const here = truth.lines[run.cutAfterLines + j];
        if (!here || here.rhymesWith === null) return;
        const q = here.rhymesWith;
        const partnerText = q < run.cutAfterLines ? truth.lines[q]!.text : generated[q - run.cutAfterLines]?.[0];
        const partner = partnerText ? lineRhymeKey(partnerText) : null;
        if (!partner) return;
        const kept = lineRhymesWith(m[0], partner);
        const aim = planLine(prompt + c.text.slice(0, m.index), { rhyme: true, ...(context ? { context } : {}) }).rhymeWith;
        const verdict = kept ? 'kept' : !aim ? 'unaimed' : rhymes(aim, partner, 'strict') ? 'backed off' : 'aimed wrong';
        const t = tally[here.stanza === 0 ? 'first' : 'later']!;
        t[verdict] = (t[verdict] ?? 0) + 1;
        if (verbose && verdict !== 'kept') process.stdout.write(`${verdict}\t${here.stanza}:${here.position + 1}\t${run.file} "${run.title}": wants ${partner.word}${aim ? ` aims ${aim.word}` : ''}: ${m[0].trim()}\n`);
      });
    }
  }
  for (const [k, t] of Object.entries(tally)) process.stdout.write(`${k}: ${JSON.stringify(t)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
