/**
 * The headless entry: the same client and worker the extension uses, from a terminal.
 *   node dist/cli.js continue FILE|- [options]
 *   node dist/cli.js alternatives FILE|- --n N [options]
 *   node dist/cli.js eval-form DIR [options]
 * `continue` does what Continue This Poem / Continue Writing does in the editor at the end of
 * the file (the same request and the same finish); `--form free`, `--form JSON` or
 * `--max-tokens N` ask for the model's raw continuation instead.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineRequestError, type TextGenerator } from './client/writingEngine';
import { ENGINE_ARG_OPTIONS, ENGINE_ARG_USAGE, engineFromArgs } from './client/engineArgs';
import { UNFAMILIAR_SCRIPT, type ErrorCode, type FormConstraint, type GeneratedSample, type GenerationResult } from './common/generation';
import { EVAL_FORM_USAGE, evalFormCommand, UsageError } from './evalForm';
import { buildContinuationRequest, type WritingRequest } from './writing/prompts/commands/continuationRequest';
import { withForm, type FormSettings } from './writing/verse/lines/formRequest';
import { SEED_MAX, validateSampling, type SamplingSettings } from './writing/settings/samplingSettings';
import { moreAlternatives } from './client/alternativeSampler';

const USAGE = `Usage:
  node dist/cli.js continue FILE|- [options]        continue the text in FILE (or stdin) as the editor's
                                                    Continue does: verse in the poem's form to the end of
                                                    the stanza, prose to the end of the paragraph
  node dist/cli.js alternatives FILE|- --n N [...]  N distinct continuations as the editor's Show
                                                    Alternatives writes them (whole lines)
${EVAL_FORM_USAGE}
Options:
${ENGINE_ARG_USAGE}  --max-tokens N         the raw continuation, N tokens at most
  --temperature T --top-k K --top-p P --min-p P --typical-p P
  --repetition-penalty R --no-repeat-ngram N
  --strategy sample|greedy|beam   --beams N
  --seed S               make the run reproducible
  --stop STR             stop before STR (repeatable; \\n for a newline)
  --ban PHRASE           never write PHRASE (repeatable; case-insensitive, whole words)
  --dry M                DRY repetition penalty strength (0 = off; 0.8 is a common start)
  --xtc P                XTC: set aside the obvious choices with probability P (threshold 0.1)
  --form keep|free|JSON  keep: read the text as verse; free: the raw continuation, no form;
                         JSON: the raw continuation under that FormConstraint
  --rhyme                rhyme mode (continue: the default; with --form JSON: adds it)
  --no-rhyme             continue without rhyme mode
  --chorus repeat|vary|off  a song's chorus after a verse: word for word (default), varied, or none
  --lines N              lines to write (continue), or stop after N lines at the line break
  --n N                  alternatives: how many (default 3)
  --json                 print one JSON object instead of the text; with continue it has
                         "tokens": each generated token's text, probability and likeliest
                         alternatives (after the sampling filters)
  --probabilities N      alternatives per token in --json's tokens (0-20; default 5, 0 = none)
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`inkling: ${message}\n`);
  process.exit(code);
}

/**
 * The engine's messages name the editor's commands and settings ("Inkling: Choose Model",
 * inkling.server.model); on the command line the options that do the same follow them.
 */
const COMMAND_LINE_HINTS: Partial<Record<ErrorCode, string>> = {
  'model-missing': 'On the command line, --model DIR names the model folder.',
  'model-invalid': 'On the command line, --model DIR names the model folder and --dtype its precision.',
  'model-load-failed': 'On the command line, --model DIR names the model folder and --dtype its precision.',
  'server-model-missing': "On the command line, --server-model NAME names the server's model.",
  'server-unauthorized': 'On the command line, --api-key-env VAR names the environment variable that holds the key.',
  'server-unreachable': 'On the command line, --server URL names the server.',
};

/** A request's error, with the command line's own hint: exits 1. */
function failRequest(e: EngineRequestError): never {
  const hint = COMMAND_LINE_HINTS[e.code];
  fail(hint ? `${e.message} ${hint}` : e.message, 1);
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} expects a number, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'eval-form') {
    try {
      return await evalFormCommand(argv.slice(1), resolve(__dirname, '..'));
    } catch (e) {
      if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) fail((e as Error).message);
      if (e instanceof EngineRequestError) failRequest(e);
      throw e;
    }
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...ENGINE_ARG_OPTIONS,
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'min-p': { type: 'string' },
      'typical-p': { type: 'string' },
      'repetition-penalty': { type: 'string' },
      'no-repeat-ngram': { type: 'string' },
      strategy: { type: 'string' },
      beams: { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      ban: { type: 'string', multiple: true },
      dry: { type: 'string' },
      xtc: { type: 'string' },
      n: { type: 'string' },
      form: { type: 'string' },
      rhyme: { type: 'boolean', default: false },
      'no-rhyme': { type: 'boolean', default: false },
      chorus: { type: 'string' },
      lines: { type: 'string' },
      json: { type: 'boolean', default: false },
      probabilities: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== 'continue' && command !== 'alternatives') fail(`unknown command "${command}".\n${USAGE}`);
  if (!file) fail(`${command} needs a FILE (or - for stdin).`);
  let prompt: string;
  try {
    prompt = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    fail(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (prompt.includes('\u0000')) fail(`${file} looks like a binary file; Inkling continues text.`);
  if (!prompt.trim()) fail(`${file} is empty: there is nothing to continue.`);

  const root = resolve(__dirname, '..');
  const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => process.stderr.write(`inkling: ${m}\n`), error: (m: string) => process.stderr.write(`inkling: ${m}\n`) };
  const chosen = engineFromArgs(root, join(__dirname, 'worker.js'), values, { logger });
  if (!chosen.ok) fail(chosen.message);
  const engine = chosen.engine;

  const raw: Partial<Record<keyof SamplingSettings, unknown>> = {
    maxNewTokens: num(values['max-tokens'], 'max-tokens'),
    temperature: num(values.temperature, 'temperature'),
    topK: num(values['top-k'], 'top-k'),
    topP: num(values['top-p'], 'top-p'),
    minP: num(values['min-p'], 'min-p'),
    typicalP: num(values['typical-p'], 'typical-p'),
    repetitionPenalty: num(values['repetition-penalty'], 'repetition-penalty'),
    noRepeatNgramSize: num(values['no-repeat-ngram'], 'no-repeat-ngram'),
    numBeams: num(values.beams, 'beams'),
    seed: num(values.seed, 'seed'),
    strategy: values.strategy,
    stopStrings: values.stop?.map((s) => s.replace(/\\n/g, '\n')),
    bannedPhrases: values.ban,
    dryMultiplier: num(values.dry, 'dry'),
    xtcProbability: num(values.xtc, 'xtc'),
  };
  for (const key of Object.keys(raw) as (keyof SamplingSettings)[]) if (raw[key] === undefined) delete raw[key];
  const { settings, problems } = validateSampling(raw);
  for (const p of problems) process.stderr.write(`inkling: ${p.message}\n`);
  if (values.chorus !== undefined && !['repeat', 'vary', 'off'].includes(values.chorus)) fail(`--chorus expects repeat, vary or off, got "${values.chorus}"`);
  // Token probabilities cost a pass over the vocabulary per token: only for --json, which reports them.
  const probabilities = values.json ? Math.max(0, Math.min(20, Math.round(num(values.probabilities, 'probabilities') ?? 5))) : 0;
  // The editor's Continue unless the raw continuation is asked for.
  const rawWanted = values.form === 'free' || (values.form !== undefined && values.form !== 'keep') || values['max-tokens'] !== undefined;
  if (!rawWanted) {
    const formSettings: FormSettings = { mode: values.form === 'keep' ? 'keep' : 'auto', rhyme: values['no-rhyme'] ? 'off' : 'followScheme', chorus: (values.chorus as FormSettings['chorus']) ?? 'repeat' };
    const request = continueRequest(prompt, formSettings, num(values.lines, 'lines'));
    try {
      if (command === 'alternatives') return await alternativesAsEditor(engine, request, settings, alternativesCount(values.n), { json: values.json, model: engine.description?.model });
      return await continueAsEditor(engine, request, settings, { json: values.json, model: engine.description?.model, probabilities });
    } catch (e) {
      if (e instanceof EngineRequestError) failRequest(e);
      throw e;
    } finally {
      await engine.dispose();
    }
  }
  const form = formOption(values.form, values.rhyme, num(values.lines, 'lines'));

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    if (command === 'continue') {
      const stream = !values.json;
      const result = await engine.generate(
        { prompt, sampling: settings, stream, form, probabilities },
        { signal: abort.signal, onToken: stream ? (t) => process.stdout.write(t) : undefined },
      );
      if (values.json) process.stdout.write(`${JSON.stringify(summary(result, engine.description?.model))}\n`);
      else process.stdout.write('\n');
      noteUnfamiliarScript(result, engine.description?.model);
    } else {
      const alternatives = await distinctAlternatives(engine, prompt, settings, alternativesCount(values.n), abort.signal, form);
      noteUnfamiliarScript(alternatives.last, engine.description?.model);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...summary(alternatives.last, engine.description?.model), alternatives: alternatives.texts })}\n`);
      } else {
        alternatives.texts.forEach((t, i) => process.stdout.write(`--- ${i + 1} (seed ${t.seed})\n${t.text}\n`));
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof EngineRequestError) failRequest(e);
    throw e;
  } finally {
    await engine.dispose();
  }
}

function alternativesCount(n: string | undefined): number {
  return Math.max(1, Math.min(16, Math.round(num(n, 'n') ?? 3)));
}

/**
 * Show Alternatives as the editor does it at the end of the text: the request Continue makes,
 * `n` seeds at a time, near-duplicates dropped, at most three rounds; each alternative whole
 * lines (or sentences), as the picker would insert it.
 */
async function alternativesAsEditor(engine: TextGenerator, request: WritingRequest, sampling: SamplingSettings, n: number, options: { json: boolean; model?: string }): Promise<number> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const found = await moreAlternatives(engine, request, sampling, [], { count: n, seed: sampling.seed ?? randomInt(0, SEED_MAX - 64), caller: 'alternatives', signal: abort.signal });
  if (found.error !== undefined) throw found.error;
  const offered = found.added;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ alternatives: offered.map((a) => ({ text: a.text, seed: a.seed, raw: a.raw, finished: a.finished })), kind: request.kind, lines: request.lines, model: options.model })}\n`);
  } else {
    offered.forEach((a, i) => process.stdout.write(`--- ${i + 1} (seed ${a.seed})\n${a.text}\n`));
  }
  return 0;
}

/** One line on stderr when the model could only spell the text in bytes: its continuation is noise, and why. */
function noteUnfamiliarScript(result: GenerationResult, model: string | undefined): void {
  const share = result.stats.spelledInBytes ?? 0;
  if (share < UNFAMILIAR_SCRIPT) return;
  process.stderr.write(`inkling: ${model ?? result.stats.model} spells ${Math.round(share * 100)} % of this text byte by byte: it does not know this script, and what it writes will read as noise. Try a model that knows the language (--model DIR or --server URL).\n`);
}

/**
 * The request Continue makes at the end of the text: the same builder and form settings as the
 * editor's command (a file's Windows line breaks read as the editor reads them).
 */
function continueRequest(text: string, form: FormSettings, lines: number | undefined): WritingRequest {
  const normalized = text.replace(/\r\n?/g, '\n');
  const built = buildContinuationRequest({ text: normalized, offset: normalized.length, lines: lines === undefined ? 0 : Math.max(1, Math.round(lines)), kind: form.mode === 'keep' ? 'verse' : undefined });
  if (!built.ok) fail(built.message);
  return withForm(built, form, normalized);
}

/**
 * Writes the continuation as the editor inserts it: whole lines (or sentences) as they come,
 * then the request's finish — never a line cut off. The writer's sampling settings apply, but
 * the request sizes the continuation and its stops.
 */
async function continueAsEditor(engine: TextGenerator, request: WritingRequest, sampling: SamplingSettings, options: { json: boolean; model?: string; probabilities: number }): Promise<number> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let raw = '';
  let shown = '';
  const show = (text: string) => {
    if (options.json || !text.startsWith(shown) || text.length === shown.length) return;
    process.stdout.write(text.slice(shown.length));
    shown = text;
  };
  const result = await engine.generate(
    { prompt: request.prompt, sampling: { ...sampling, maxNewTokens: request.maxNewTokens, stopStrings: [...request.stopStrings, ...sampling.stopStrings] }, stream: !options.json, form: request.formConstraint, formContext: request.formContext, probabilities: options.probabilities },
    {
      signal: abort.signal,
      onToken: (t) => {
        raw += t;
        // Everything the insertion will hold is here: stop early, as the editor does.
        if (request.isComplete(raw)) abort.abort();
        show(request.finish(raw, false));
      },
    },
  );
  noteUnfamiliarScript(result, options.model);
  const finished = result.stopReason === 'eos' || result.stopReason === 'stop' || result.stopReason === 'form' || request.isComplete(result.text);
  const text = request.finish(result.text, finished);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...summary(result, options.model), text, raw: result.text, kind: request.kind, lines: request.lines })}\n`);
  else {
    show(text);
    process.stdout.write('\n');
  }
  return 0;
}

/** `--form`, `--rhyme` and `--lines` as one constraint; undefined for plain sampling. */
function formOption(form: string | undefined, rhyme: boolean, lines: number | undefined): FormConstraint | undefined {
  if (form === undefined && !rhyme && lines === undefined) return undefined;
  let constraint: FormConstraint = {};
  if (form === 'free') constraint = { lineLength: false, stanzas: false };
  else if (form !== undefined && form !== 'keep') {
    try {
      constraint = JSON.parse(form) as FormConstraint;
    } catch {
      fail(`--form expects keep, free or a JSON object, got "${form}"`);
    }
    if (typeof constraint !== 'object' || constraint === null || Array.isArray(constraint)) fail('--form JSON must be an object.');
  }
  if (rhyme) constraint.rhyme = true;
  if (lines !== undefined) {
    constraint.lines = Math.min(40, Math.max(1, Math.round(lines)));
    if (constraint.lines !== lines) process.stderr.write(`inkling: --lines ${lines} is outside 1–40; using ${constraint.lines}.\n`);
  }
  return constraint;
}

function summary(result: GenerationResult, model: string | undefined) {
  return { text: result.text, stopReason: result.stopReason, meanLogProb: result.meanLogProb, ...result.stats, model: model ?? result.stats.model, ...(result.tokens ? { tokens: result.tokens } : {}) };
}

/** Samples until n distinct texts (after whitespace normalisation) are found, at most three rounds. */
async function distinctAlternatives(client: TextGenerator, prompt: string, settings: SamplingSettings, n: number, signal: AbortSignal, form?: FormConstraint) {
  const seen = new Set<string>();
  const texts: GeneratedSample[] = [];
  let seed = settings.seed ?? Math.floor(Math.random() * 2 ** 30);
  let last: GenerationResult | undefined;
  for (let round = 0; round < 3 && texts.length < n; round++) {
    const want = n - texts.length;
    last = await client.generate({ prompt, sampling: { ...settings, seed }, n: want + (round > 0 ? 1 : 0), form }, { signal });
    const samples = last.alternatives ?? [{ text: last.text, seed, stopReason: last.stopReason, meanLogProb: last.meanLogProb }];
    for (const s of samples) {
      const key = s.text.trim().replace(/\s+/g, ' ').toLowerCase();
      if (!key || seen.has(key) || texts.length >= n) continue;
      seen.add(key);
      texts.push(s);
    }
    seed += samples.length;
    if (last.stopReason === 'cancelled') break;
  }
  return { texts, last: last! };
}

/**
 * Joins "--name -1" into "--name=-1": Node's parseArgs reads a value that starts with a dash as
 * another option, and a negative number is a value (then clamped like any absurd one).
 */
export function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/.test(a) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

main(joinNegativeValues(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (e: Error & { code?: string }) => {
    // A bad argument is one line, never a stack trace; "--temperature -1" reads -1 as an option.
    if (e.code?.startsWith('ERR_PARSE_ARGS')) fail(`${e.message.split('\n')[0]!.split('. To specify')[0]}.\n${USAGE}`);
    fail(e.stack ?? String(e), 1);
  },
);
