/**
 * Form-keeping on a server: the same FormConstraint the worker keeps by shaping logits, kept
 * line by line from the host. Each line is planned from the poem as it stands (writing/verse/lines/linePlan:
 * its target length, whether it closes a stanza, which earlier line it rhymes with), then
 * written by one request: with a grammar where the server takes one (writing/verse/lines/lineGrammar:
 * whole words, the length band, the rhyme word, the line break), otherwise by asking for a few
 * candidates of the line and keeping the one that fits best. The server's prompt cache makes
 * each line's request pay only for the line before it.
 */
import type { FormConstraint, SamplingSettings, StopReason } from '../../common/generation';
import { lengthBand, lineInProgress, lineLength, planLine, type LinePlan } from '../../writing/verse/lines/linePlan';
import { leadGrammar, lineGrammar } from '../../writing/verse/lines/lineGrammar';
import { lineRhymesWith, opensRhymeWell } from '../../writing/verse/lines/lineEnding';
import { lineRhymeKey } from '../../writing/verse/sound/rhyme';
import type { RhymeLexicon } from '../../writing/verse/sound/rhymeLexicon';
import { findStop } from '../../engine/tokens/textStream';
import { isCjkText } from '../../writing/verse/chinese/cjkText';
import { keepsFoot, type Foot } from '../../writing/verse/sound/metre';
import { analyzePoemForm } from '../../writing/verse/poem/poemForm';
import type { Usage } from './dialect';

/** One request the writer makes: the server engine sends it and streams its text back. */
export interface LineCall {
  prompt: string;
  grammar?: string;
  maxTokens: number;
  stop: string[];
  seed: number;
}

export interface LineAnswer {
  text: string;
  stop: StopReason;
  usage: Usage;
}

export interface VerseJob {
  /** The prompt without a trailing blank (see writing/prompts/text/promptEnd.ts), and that blank. */
  prompt: string;
  blank: string;
  form: FormConstraint;
  /** The document before the cursor (the request's `formContext`), for rhyme mode's guess at a first stanza's scheme. */
  formContext?: string;
  sampling: SamplingSettings;
  seed: number;
  /** The server takes grammars. */
  grammar: boolean;
  /** Rhyme words (rhyme mode), or null when the lexicon is not loaded. */
  lexicon: RhymeLexicon | null;
  /** Sends one request; `onText` receives its text as it streams (only with a grammar, where the text is final). */
  complete(call: LineCall, onText?: (text: string) => void): Promise<LineAnswer>;
  /** The continuation as it grows (deltas). */
  onText?(delta: string): void;
  isCancelled(): boolean;
}

export interface VerseResult {
  text: string;
  stopReason: StopReason;
  usage: Required<Pick<Usage, 'promptTokens' | 'newTokens'>> & Usage;
  lines: number;
}

/** Rhyme words offered per line: the commonest first. */
const RHYME_WORDS = 60;
/** Rhyme characters offered per line of Chinese verse: one character class in the grammar, so many cost little. */
const RHYME_CHARACTERS = 400;
/** Candidates asked for per line where the server takes no grammar. */
const CANDIDATES = 3;

export async function writeVerse(job: VerseJob): Promise<VerseResult> {
  const form = job.form;
  // A command's lines in a poem with a metre: among a line's candidates, one that keeps the foot
  // (as the worker keeps its lines, engine/form/linesByChoice.ts). Ghost text takes the first that fits.
  const foot = !job.grammar && form.lines !== undefined && !isCjkText(job.prompt) ? (analyzePoemForm(job.prompt, { kind: 'verse' }).metre?.foot ?? null) : null;
  const stops = job.sampling.stopStrings;
  let written = '';
  let lines = 0;
  let tokensLeft = job.sampling.maxNewTokens;
  const usage = { promptTokens: 0, newTokens: 0, cachedTokens: 0, serverMs: 0, requests: 0 };
  let stopReason: StopReason = 'length';
  let spent = 0;
  // Line breaks at the end of what has streamed are held back until more text follows: the last
  // line's break is not part of the continuation (the writer's next line is), as with the worker.
  let held = '';
  const emit = (delta: string) => {
    if (!delta) return;
    const text = held + delta;
    const body = text.replace(/\n+$/, '');
    held = text.slice(body.length);
    if (body) job.onText?.(body);
  };

  for (let round = 0; tokensLeft > 0; round++) {
    if (job.isCancelled()) {
      stopReason = 'cancelled';
      break;
    }
    const first = round === 0;
    // The text the model continues: the prompt, its blank once a word follows it, and the lines so far.
    const context = first ? job.prompt : job.prompt + job.blank + written;
    const plan = linePlanFor(context, form, first, job);
    const head = first ? lineInProgress(job.prompt, plan.unit) : '';
    // A line begun afresh takes the indentation of its position in the poem's stanzas.
    const indent = head ? '' : (plan.indent ?? '');
    const lead = (first ? job.blank : '') + (plan.needsStanzaBreak ? '\n' : '') + indent;
    const end: '\n' | '\n\n' = plan.endsStanza ? '\n\n' : '\n';
    const refrain = plan.refrain ?? null;

    let line: string;
    let answerStop: StopReason;
    if (refrain?.whole && !head) {
      // A refrain the stanzas repeat whole, a returning chorus line, a song's section label: no
      // model call, the line is known.
      line = (first ? dropLead(lead, job.blank) : lead) + refrain.text + end;
      answerStop = 'form';
      emit(line);
      written += line;
      tokensLeft -= Math.ceil(line.length / 4) + 1;
      if (!plan.label && /[\p{L}\p{N}]/u.test(line)) lines++;
      if (form.lines !== undefined && lines >= form.lines) {
        written = written.replace(/\n+$/, '');
        stopReason = 'form';
        break;
      }
      continue;
    }
    const ending = refrain && !refrain.whole ? refrain.text : undefined;
    const rhymes = !ending && plan.rhymeWith && job.lexicon ? job.lexicon.candidates(plan.rhymeWith, plan.rhymeWith.han ? RHYME_CHARACTERS : RHYME_WORDS, context).map((c) => c.word) : [];
    // The grammar (or the line-break stop) ends the line; the budget only bounds a runaway.
    const budget = job.grammar ? tokensLeft : Math.min(tokensLeft, lineTokens(plan.target ?? plan.range?.high ?? null));

    if (job.grammar) {
      const free = form.lineLength === false;
      const grammar = free && form.stanzas === false && !form.rhyme && !ending ? (lead ? leadGrammar(lead) : undefined) : lineGrammar({ unit: plan.unit, target: free ? null : plan.target, exact: plan.exact, range: free ? null : plan.range, head, midWord: !lead && /[\p{L}\p{N}]$/u.test(head), lead, rhymes, ending, end });
      let streamed = '';
      const answer = await job.complete({ prompt: context, grammar, maxTokens: budget, stop: [], seed: job.seed + round }, (t) => {
        // The first line's blank is already in the writer's text: it is not sent on.
        const visible = first ? dropLead(streamed + t, job.blank) : streamed + t;
        const before = first ? dropLead(streamed, job.blank) : streamed;
        streamed += t;
        emit(visible.slice(before.length));
      });
      add(usage, answer.usage);
      line = first ? dropLead(answer.text, job.blank) : answer.text;
      answerStop = answer.stop;
      // Anything the stream did not deliver (a server that sent the text whole) goes out now.
      const sent = first ? dropLead(streamed, job.blank) : streamed;
      if (line.startsWith(sent)) emit(line.slice(sent.length));
    } else {
      // No grammar: the lead goes into the prompt, and the best of a few candidates is kept; a
      // refrain's closing words are written after the candidate, which is asked to leave room.
      const room = ending && plan.target ? { ...plan, target: Math.max(1, plan.target - lineLength(ending, plan.unit)) } : plan;
      const chosen = await bestCandidate(job, context + lead, head, room, budget, round, foot);
      add(usage, chosen.usage);
      const body = chosen.text.replace(/[ \t]+$/, '');
      const closed = chosen.stop === 'length' && !ending ? chosen.text : `${ending ? `${body.replace(/[.,;:!?]+$/, '')} ${ending}` : body}${end}`;
      line = (first ? dropLead(lead, job.blank) : lead) + closed;
      answerStop = chosen.stop === 'length' ? 'length' : 'form';
      emit(line);
    }
    written += line;
    // The server's own count where it gives one; else about four characters a token.
    const used = usage.newTokens - spent;
    tokensLeft -= used > 0 ? used : Math.ceil(line.length / 4) + 1;
    spent = usage.newTokens;
    if (!plan.label && /[\p{L}\p{N}]/u.test(line)) lines++;

    const stopAt = findStop(written, stops);
    if (stopAt >= 0) {
      written = written.slice(0, stopAt);
      stopReason = 'stop';
      break;
    }
    if (!/\n$/.test(line)) {
      // The line did not end: out of tokens (or the server stopped early).
      stopReason = answerStop === 'eos' ? 'eos' : 'length';
      break;
    }
    if (form.lines !== undefined && lines >= form.lines) {
      // The last line's break belongs to the next line's writer: stop at the line end.
      written = written.replace(/\n+$/, '');
      stopReason = 'form';
      break;
    }
  }
  // What was held back and is part of the text after all (a continuation cut by its budget after a line break).
  const tail = written.slice(written.replace(/\n+$/, '').length);
  if (tail && stopReason !== 'form' && stopReason !== 'stop') job.onText?.(tail);
  return { text: written, stopReason, usage, lines };
}

/** The plan for the next line, with the constraint's overrides for the first one. */
function linePlanFor(context: string, form: FormConstraint, first: boolean, job: VerseJob): LinePlan {
  // A Chinese poem stays one whatever script the model goes on in.
  const plan = planLine(context, { rhyme: form.rhyme === true, chorus: form.chorus, cjk: isCjkText(job.prompt) || undefined, context: job.formContext });
  const out: LinePlan = { ...plan };
  if (plan.label && form.stanzas === false) {
    // Ghost text leaves stanzas (and a song's section labels) to the writer: a free line instead.
    out.label = false;
    out.refrain = null;
  }
  if (first && form.firstLineLength && form.firstLineLength > 0) out.target = Math.round(form.firstLineLength);
  if (first && form.firstLineRhyme !== undefined) out.rhymeWith = form.firstLineRhyme === null ? null : lineRhymeKey(form.firstLineRhyme);
  if (!form.rhyme || !job.lexicon) {
    out.rhymeWith = null;
    delete out.opensRhyme;
    delete out.takenRhymes;
  }
  if (form.stanzas === false) {
    out.endsStanza = false;
    out.needsStanzaBreak = false;
  }
  return out;
}

/** Tokens a candidate line may take: about three per syllable (small vocabularies spell words in many pieces), and room to finish. */
function lineTokens(target: number | null): number {
  return Math.ceil((target ?? 12) * 3) + 8;
}

/** Several samples of the line; the one whose length, rhyme and (with `foot`) metre fit best. */
async function bestCandidate(job: VerseJob, prompt: string, head: string, plan: LinePlan, budget: number, round: number, foot: Foot | null = null): Promise<LineAnswer> {
  const answers: LineAnswer[] = [];
  const perfect = PERFECT + (foot ? 2 : 0);
  for (let i = 0; i < CANDIDATES && !job.isCancelled(); i++) {
    const a = await job.complete({ prompt, maxTokens: budget, stop: ['\n'], seed: job.seed + round * CANDIDATES + i });
    answers.push(a);
    if (fit(a, head, plan, foot, job.lexicon) >= perfect) break;
  }
  let best = answers[0]!;
  for (const a of answers) if (fit(a, head, plan, foot, job.lexicon) > fit(best, head, plan, foot, job.lexicon)) best = a;
  return { ...best, usage: answers.reduce((u, a) => sum(u, a.usage), {} as Usage) };
}

const PERFECT = 6;

/** How well a candidate line fits its plan: whole, in its length band, on its rhyme (or opening one well), in the poem's foot. */
function fit(a: LineAnswer, head: string, plan: LinePlan, foot: Foot | null = null, lexicon: RhymeLexicon | null = null): number {
  const line = head + a.text;
  if (!/[\p{L}\p{N}]/u.test(a.text)) return -10;
  let score = a.stop === 'length' ? 0 : 2;
  if (plan.target || plan.range) {
    const n = lineLength(line, plan.unit);
    const band = plan.target ? (plan.exact ? { low: plan.target, high: plan.target } : lengthBand(plan.target)) : plan.range!;
    const aim = plan.target ?? (band.low + band.high) / 2;
    score += n >= band.low && n <= band.high ? 2 : -Math.abs(n - aim) / aim;
  } else score += 2;
  if (plan.rhymeWith) score += lineRhymesWith(line, plan.rhymeWith) ? 2 : 0;
  // A line a later one is to rhyme with ends on a fresh sound that has rhymes.
  else if (plan.opensRhyme && lexicon) score += opensRhymeWell(line, plan.takenRhymes ?? [], (key) => lexicon.canAnswer(key)) ? 2 : 0;
  else score += 2;
  if (foot && keepsFoot(line, foot)) score += 2;
  return score;
}

function dropLead(text: string, blank: string): string {
  return blank && text.startsWith(blank) ? text.slice(blank.length) : text;
}

/** Adds a request's usage: tokens and time sum up; the prompt and its reused part are the first request's. */
function add(total: { promptTokens: number; newTokens: number; cachedTokens: number; serverMs: number; requests?: number }, u: Usage): void {
  if (!total.requests) {
    total.promptTokens = u.promptTokens ?? 0;
    total.cachedTokens = u.cachedTokens ?? 0;
  }
  total.requests = (total.requests ?? 0) + 1;
  total.newTokens += u.newTokens ?? 0;
  total.serverMs += u.serverMs ?? 0;
}

function sum(a: Usage, b: Usage): Usage {
  return { promptTokens: Math.max(a.promptTokens ?? 0, b.promptTokens ?? 0), newTokens: (a.newTokens ?? 0) + (b.newTokens ?? 0), cachedTokens: (a.cachedTokens ?? 0) + (b.cachedTokens ?? 0), serverMs: (a.serverMs ?? 0) + (b.serverMs ?? 0) };
}
