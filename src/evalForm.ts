/**
 * `eval-form`: how well continuations keep a poem's form, with and without form-keeping
 * decoding. Each sampled poem (a file may hold many: see poemCollection.ts) is cut after about
 * two fifths of its lines and continued for a few lines three ways, with the same seeds: plain
 * sampling (stopped after the lines asked for), form-keeping (line lengths by position,
 * indentation, refrains, stanzas), and form-keeping with rhyme mode. Reported overall, per
 * kind of form and per file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ENGINE_ARG_OPTIONS, engineFromArgs } from './client/engineArgs';
import { distinctGap } from './writing/verse/distinctGap';
import { DEFAULT_LINE_CANDIDATES, type FormConstraint, type GenerateParams, type GenerationResult } from './common/generation';
import { EngineRequestError, type TextGenerator } from './client/writingEngine';
import { scoreSample, summarize, type FormSummary, type SampleScore } from './writing/verse/formMetrics';
import { cutPoem, formLines, samplePoems, splitPoems, textBefore, type CollectedPoem } from './writing/verse/poem/poemCollection';
import { formContextOf } from './writing/verse/scheme/schemeHabit';
import { loadPronouncingDictionary } from './writing/verse/sound/pronouncingDictionary';
import { isCjkText } from './writing/verse/chinese/cjkText';
import { loadPinyin } from './writing/verse/chinese/hanziRhyme';
import { validateSampling } from './writing/settings/samplingSettings';

export const EVAL_FORM_USAGE = `  node dist/cli.js eval-form DIR [--model DIR | --server URL] [--limit N] [--samples N] [--lines N]
                 [--before CHARS] [--seed S] [--line-candidates N] [--json] [--out FILE]
                 form-keeping vs plain sampling on DIR's poems (--line-candidates: of each line the
                 form arms write, as a command does; default 2, 1 for one line as sampled)
`;

const ARMS: Record<string, (lines: number, candidates: number) => FormConstraint> = {
  plain: (lines) => ({ lines, lineLength: false, stanzas: false, rhyme: false, lineCandidates: 1 }),
  form: (lines, candidates) => ({ lines, lineCandidates: candidates }),
  rhyme: (lines, candidates) => ({ lines, rhyme: true, lineCandidates: candidates }),
};
type Arm = keyof typeof ARMS;

/** What form-keeping must reach on poems it was not tuned on, checked against plain sampling with the same model. */
const TARGETS = { endsOnLine: 0.95, linesWithinPositionBand: 0.9, stanzaAccuracy: 0.9, originalRhymeKept: 0.8 };

interface ArmResult {
  summary: FormSummary;
  /** Decode time per generated token (time to first token excluded), over all requests. */
  decodeMsPerToken: number;
  newTokens: number;
  /** Form-keeping arms: distinct-2's gap to plain sampling, and how often chance gives one as low (distinctGap). */
  distinct2Gap?: { gap: number; chanceAsLow: number };
}

interface PoemRun {
  file: string;
  title: string;
  /** Where the poem's verse begins in its file (CollectedPoem.at): titles repeat in a collection. */
  at: number;
  cutAfterLines: number;
  wanted: number;
  seed: number;
  formClass?: string;
  continuations: Record<string, { text: string; stopReason: string }[]>;
}

export async function evalFormCommand(argv: string[], root: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...ENGINE_ARG_OPTIONS,
      limit: { type: 'string' },
      samples: { type: 'string' },
      lines: { type: 'string' },
      before: { type: 'string' },
      seed: { type: 'string' },
      'line-candidates': { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const dir = positionals[0];
  if (!dir) throw new UsageError(`eval-form needs a folder of poems.\n${EVAL_FORM_USAGE}`);
  const limit = positiveInt(values.limit, 'limit', 20);
  const samples = Math.min(16, positiveInt(values.samples, 'samples', 3));
  const maxLines = positiveInt(values.lines, 'lines', 4);
  const seed = positiveInt(values.seed, 'seed', 1);
  const candidates = Math.min(8, positiveInt(values['line-candidates'], 'line-candidates', DEFAULT_LINE_CANDIDATES));
  // Characters of the file before each poem sent with it for form planning (the request's
  // formContext), as the editor sends the document before the cursor: the model is shown the
  // poem alone either way. 0, the default: nothing before it.
  const beforeChars = positiveInt(values.before, 'before', 0);
  const chosen = engineFromArgs(root, join(__dirname, 'worker.js'), values, { defaultThreads: 1 });
  if (!chosen.ok) throw new UsageError(chosen.message);
  const engine = chosen.engine;

  // Metrics count syllables and rhymes as the worker does: with the dictionary, not spelling guesses.
  await loadPronouncingDictionary();
  const { poems, skipped } = collect(resolve(dir), limit, beforeChars);
  if (poems.length === 0) throw new UsageError(`${dir} holds no poems (.txt or .md files read as verse).`);
  // Chinese verse rhymes by pinyin (which lines rhyme, and whether they do), as the worker reads it.
  if (poems.some((p) => isCjkText(p.text))) await loadPinyin();

  const started = performance.now();
  try {
    const info = await engine.prepare();
    const contextLength = info.contextLength ?? 2048;
    const runs: PoemRun[] = [];
    const failed: { file: string; title: string; message: string }[] = [];
    const scores: Record<string, SampleScore[]> = { plain: [], form: [], rhyme: [] };
    const texts: Record<string, string[]> = { plain: [], form: [], rhyme: [] };
    const timing: Record<string, { ms: number; tokens: number }> = { plain: { ms: 0, tokens: 0 }, form: { ms: 0, tokens: 0 }, rhyme: { ms: 0, tokens: 0 } };
    const perFile = new Map<string, Record<string, { scores: SampleScore[]; texts: string[] }>>();
    const perForm = new Map<string, Record<string, { scores: SampleScore[]; texts: string[] }>>();
    const bucket = (map: typeof perFile, key: string, arm: string) => {
      if (!map.has(key)) map.set(key, { plain: { scores: [], texts: [] }, form: { scores: [], texts: [] }, rhyme: { scores: [], texts: [] } });
      return map.get(key)![arm]!;
    };
    for (const [i, poem] of poems.entries()) {
      const cut = cutPoem(poem.text, maxLines);
      const { cutAfterLines, wanted } = cut;
      if (wanted < 1) continue;
      const prompt = cut.prompt;
      const formContext = poem.before ? formContextOf(poem.before + prompt) : undefined;
      const promptTokens = await engine.countTokens(prompt);
      const perLine = promptTokens / Math.max(1, formLines(prompt));
      // Room for lines twice as long as the poem's in tokens, within half the model's context
      // (the engine keeps the end of a prompt that would not fit beside it).
      const maxNewTokens = Math.max(16, Math.min(Math.floor(contextLength / 2), Math.ceil(wanted * perLine * 2) + 16));
      const runSeed = seed + i * 1000;
      const sampling = validateSampling({ seed: runSeed, maxNewTokens }).settings;
      const run: PoemRun = { file: poem.file, title: poem.title, at: poem.at, cutAfterLines, wanted, seed: runSeed, continuations: {} };
      // Every arm first, then the scores: a poem the engine fails on counts in no arm, so the arms stay comparable.
      const results: Partial<Record<Arm, GenerationResult>> = {};
      try {
        for (const arm of Object.keys(ARMS) as Arm[]) {
          // probabilities: 1 so that the engine reports each sample's log-probability (the perplexity row).
          const form = ARMS[arm]!(wanted, candidates);
          const params = { prompt, sampling, n: samples, form, probabilities: 1, ...(formContext ? { formContext } : {}) };
          results[arm] = (form.lineCandidates ?? 1) > 1 ? await oneByOne(engine, params, samples) : await engine.generate(params);
        }
      } catch (e) {
        if (!(e instanceof EngineRequestError)) throw e;
        failed.push({ file: poem.file, title: poem.title, message: e.message });
        continue;
      }
      for (const arm of Object.keys(ARMS) as Arm[]) {
        const result = results[arm]!;
        const outs = result.alternatives ?? [{ text: result.text, stopReason: result.stopReason, meanLogProb: result.meanLogProb }];
        run.continuations[arm] = outs.map((o) => ({ text: o.text, stopReason: o.stopReason }));
        for (const o of outs) {
          const score = scoreSample({ prompt, before: poem.before, original: poem.text, wanted, text: o.text, stopReason: o.stopReason, meanLogProb: o.meanLogProb });
          run.formClass = score.formClass;
          for (const b of [{ scores: scores[arm]!, texts: texts[arm]! }, bucket(perFile, poem.file, arm), bucket(perForm, score.formClass, arm)]) {
            b.scores.push(score);
            b.texts.push(o.text);
          }
        }
        timing[arm]!.ms += result.stats.totalMs - result.stats.timeToFirstTokenMs;
        timing[arm]!.tokens += Math.max(0, result.stats.newTokens - outs.length);
      }
      runs.push(run);
      if (!values.json) process.stderr.write(`\r${i + 1}/${poems.length} poems`);
    }
    if (!values.json) process.stderr.write('\n');
    const arms: Record<string, ArmResult> = {};
    for (const arm of Object.keys(ARMS)) {
      const t = timing[arm]!;
      arms[arm] = { summary: summarize(scores[arm]!, texts[arm]!), decodeMsPerToken: t.tokens ? Math.round((t.ms / t.tokens) * 100) / 100 : 0, newTokens: t.tokens };
    }
    for (const arm of ['form', 'rhyme']) {
      arms[arm]!.distinct2Gap = distinctGap(runs.map((r) => [r.continuations[arm]!.map((c) => c.text), r.continuations.plain!.map((c) => c.text)] as const), 2, seed);
    }
    const report = {
      model: info.model,
      engine: info.kind === 'local' ? `Inkling's worker (${info.detail ?? ''})` : `${info.kind}${info.version ? ` ${info.version}` : ''} at ${info.url}`,
      corpus: dir,
      poems: runs.length,
      samplesPerPoem: samples,
      maxLines,
      beforeChars,
      seed,
      skippedFiles: skipped,
      failedPoems: failed,
      targets: TARGETS,
      met: targetsMet(arms),
      arms,
      byForm: summarizeGroups(perForm),
      byFile: summarizeGroups(perFile),
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
      runs,
    };
    if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
    for (const f of failed) process.stderr.write(`inkling: the engine failed on ${f.file} "${f.title}" (${f.message}); that poem is left out of every arm.\n`);
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : table(report.model, arms, report.met) + groupTable('by form', report.byForm) + groupTable('by file', report.byFile));
    return 0;
  } finally {
    await engine.dispose();
  }
}

export class UsageError extends Error {}

/** Poems from the folder's .txt and .md files (sorted by name), a deterministic sample of them. */
function collect(dir: string, limit: number, beforeChars: number): { poems: (CollectedPoem & { file: string; before: string })[]; skipped: string[] } {
  let names: string[];
  try {
    // A folder's README, licence or changelog describes the poems; it is not one.
    names = readdirSync(dir)
      .filter((n) => /\.(txt|md)$/i.test(n) && !/^(readme|license|licence|changelog)\b/i.test(n))
      .sort();
  } catch (e) {
    throw new UsageError(`cannot read ${dir}: ${(e as Error).message}`);
  }
  const skipped: string[] = [];
  const files: (CollectedPoem & { file: string; fileText: string })[][] = [];
  for (const name of names) {
    // A poem needs three lines at least: two to show its form, one to continue. In Chinese verse
    // a line is a clause: a quatrain set two clauses a line has four.
    const lineCount = (text: string) => (isCjkText(text) ? formLines(text) : text.split('\n').filter((l) => l.trim()).length);
    const fileText = readFileSync(join(dir, name), 'utf8');
    const poems = splitPoems(fileText, basename(name)).filter((p) => lineCount(p.text) >= 3);
    if (poems.length) files.push(poems.map((p) => ({ ...p, file: name, fileText })));
    else skipped.push(name);
  }
  return { poems: samplePoems(files, limit).map(({ fileText, ...p }) => ({ ...p, before: textBefore(fileText, p, beforeChars) })), skipped };
}

function summarizeGroups(groups: Map<string, Record<string, { scores: SampleScore[]; texts: string[] }>>): Record<string, Record<string, FormSummary>> {
  const sorted = [...groups].sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(sorted.map(([key, byArm]) => [key, Object.fromEntries(Object.entries(byArm).map(([arm, a]) => [arm, summarize(a.scores, a.texts)]))]));
}

function targetsMet(arms: Record<string, ArmResult>) {
  const plain = arms.plain!.summary;
  const form = arms.form!.summary;
  const rhyme = arms.rhyme!.summary;
  return {
    endsOnLine: form.endsOnLine >= TARGETS.endsOnLine && rhyme.endsOnLine >= TARGETS.endsOnLine,
    linesWithinPositionBand: form.linesWithinPositionBand >= TARGETS.linesWithinPositionBand,
    stanzaAccuracy: (form.stanzaAccuracy ?? 1) >= TARGETS.stanzaAccuracy,
    originalRhymeKept: rhyme.originalRhymeKept !== null && rhyme.originalRhymeKept >= TARGETS.originalRhymeKept,
    distinct2: form.distinct2 >= plain.distinct2 && rhyme.distinct2 >= plain.distinct2,
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const tick = (ok: boolean) => (ok ? '✓' : '✗');

function table(model: string, arms: Record<string, ArmResult>, met: ReturnType<typeof targetsMet>): string {
  const rows: [string, (a: ArmResult) => string, string][] = [
    ['continuations', (a) => String(a.summary.samples), ''],
    ['end on a line boundary', (a) => pct(a.summary.endsOnLine), `≥ 95 % ${tick(met.endsOnLine)}`],
    ['lines within ±25 % of their position’s target', (a) => `${pct(a.summary.linesWithinPositionBand)} of ${a.summary.positionLines}`, `≥ 90 % ${tick(met.linesWithinPositionBand)}`],
    ['lines at free-verse positions (no target)', (a) => String(a.summary.freeLines), ''],
    ['lines within ±25 % of the poem’s median', (a) => pct(a.summary.linesWithinBand), ''],
    ['stanza-break accuracy', (a) => pct(a.summary.stanzaAccuracy), `≥ 90 % ${tick(met.stanzaAccuracy)}`],
    ['poem’s own rhyme scheme kept', (a) => `${pct(a.summary.originalRhymeKept)} of ${a.summary.originalRhymeDemanded}`, `≥ 80 % (rhyme) ${tick(met.originalRhymeKept)}`],
    ['  … after the poem’s first stanza', (a) => `${pct(a.summary.laterRhymeKept)} of ${a.summary.laterRhymeDemanded}`, ''],
    ['rhyme kept (scheme as read)', (a) => `${pct(a.summary.rhymeKept)} of ${a.summary.rhymeDemanded}`, ''],
    ['metre kept (poem’s dominant foot)', (a) => `${pct(a.summary.metreKept)} of ${a.summary.metreLines}`, ''],
    ['refrain kept', (a) => `${pct(a.summary.refrainKept)} of ${a.summary.refrainDemanded}`, ''],
    ['indentation as the poem’s (all / indented positions)', (a) => `${pct(a.summary.indentKept)} / ${pct(a.summary.indentedKept)} of ${a.summary.indentedLines}`, ''],
    ['distinct-2', (a) => a.summary.distinct2.toFixed(3), `≥ plain ${tick(met.distinct2)}`],
    ['  … gap to plain (how often chance gives one as low)', (a) => (a.distinct2Gap ? `${a.distinct2Gap.gap >= 0 ? '+' : '−'}${Math.abs(a.distinct2Gap.gap).toFixed(3)} (${Math.round(a.distinct2Gap.chanceAsLow * 100)} %)` : ''), ''],
    ['perplexity (unshaped model)', (a) => (a.summary.perplexity === null ? '—' : a.summary.perplexity.toFixed(1)), ''],
    ['longest prompt overlap (mean / max words)', (a) => `${a.summary.meanOverlap.toFixed(1)} / ${a.summary.maxOverlap}`, ''],
    ['regulated Chinese verse: characters per line exact', (a) => `${pct(a.summary.exactKept)} of ${a.summary.exactLines}`, ''],
    ['regulated Chinese verse: even lines keep the rhyme', (a) => `${pct(a.summary.evenRhymeKept)} of ${a.summary.evenRhymeDemanded}`, ''],
    ['律诗 middle couplets: parallelism (poet’s own)', (a) => (a.summary.couplets ? `${a.summary.coupletParallelism!.toFixed(2)} (${a.summary.originalCoupletParallelism!.toFixed(2)}) of ${a.summary.couplets}` : '—'), ''],
    ['decode ms / token', (a) => a.decodeMsPerToken.toFixed(2), ''],
  ];
  const names = ['plain', 'form', 'rhyme'];
  const out = [`eval-form — ${model}`, `| metric | ${names.join(' | ')} | target |`, `|---|${names.map(() => '---|').join('')}---|`];
  for (const [label, f, target] of rows) out.push(`| ${label} | ${names.map((n) => f(arms[n]!)).join(' | ')} | ${target} |`);
  return `${out.join('\n')}\n`;
}

/** Per group (form or file): the headline figures, plain / form / rhyme. */
function groupTable(title: string, groups: Record<string, Record<string, FormSummary>>): string {
  const short = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}`);
  const trio = (g: Record<string, FormSummary>, get: (s: FormSummary) => number | null) => ['plain', 'form', 'rhyme'].map((a) => short(get(g[a]!))).join(' / ');
  const out = [
    '',
    `${title} (plain / form / rhyme, %)`,
    '| | continuations | end on a line | lines in position band | stanza breaks | own rhyme kept | metre kept | refrain kept | distinct-2 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, g] of Object.entries(groups)) {
    const d2 = ['plain', 'form', 'rhyme'].map((a) => g[a]!.distinct2.toFixed(2)).join(' / ');
    out.push(
      `| ${key} | ${g.plain!.samples} | ${trio(g, (s) => s.endsOnLine)} | ${trio(g, (s) => (s.positionLines ? s.linesWithinPositionBand : null))} | ${trio(g, (s) => s.stanzaAccuracy)} | ${trio(g, (s) => s.originalRhymeKept)} | ${trio(g, (s) => s.metreKept)} | ${trio(g, (s) => s.refrainKept)} | ${d2} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} expects a whole number, got "${value}"`);
  return n;
}

/**
 * `samples` continuations with seeds seed, seed + 1, … as one result with alternatives: each a
 * request of its own, as a command makes it (a command's lines are chosen from candidates only
 * in a request for one continuation). The same seeds as one batch of `samples`.
 */
async function oneByOne(engine: TextGenerator, params: GenerateParams, samples: number): Promise<GenerationResult> {
  const seed = params.sampling.seed ?? 1;
  const results: GenerationResult[] = [];
  for (let j = 0; j < samples; j++) results.push(await engine.generate({ ...params, n: 1, sampling: { ...params.sampling, seed: seed + j } }));
  const first = results[0]!;
  const sum = (f: (r: GenerationResult) => number) => results.reduce((s, r) => s + f(r), 0);
  return {
    ...first,
    alternatives: results.map((r, j) => ({ text: r.text, stopReason: r.stopReason, seed: seed + j, meanLogProb: r.meanLogProb })),
    stats: { ...first.stats, newTokens: sum((r) => r.stats.newTokens), totalMs: sum((r) => r.stats.totalMs), timeToFirstTokenMs: sum((r) => r.stats.timeToFirstTokenMs) },
  };
}
