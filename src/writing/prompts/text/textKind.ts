import { countCjkCharacters, isCjkText, splitCjkClauses } from '../../verse/chinese/cjkText';
import { splitStanzas, type PoemStanza } from '../../verse/poem/poemLines';

/** Verse (line breaks are the writer's) or prose (line breaks are wrapping, if any). */
export type TextKindName = 'verse' | 'prose';

/** The measurements behind a verse/prose decision, each a share from 0 to 1. */
export interface TextKindEvidence {
  lines: number;
  /** Non-final lines whose next line's first word would still have fitted on them. */
  shortBreaks: number;
  /** Non-first lines of a stanza that start with a capital letter. */
  capitalStarts: number;
  /** Non-final lines that end with punctuation. */
  punctuatedEnds: number;
  /** Non-final lines that end with a Markdown hard break. */
  hardBreaks: number;
  /** Median line length in characters. */
  medianLength: number;
}

export interface TextKind {
  kind: TextKindName;
  /** How sure the decision is, 0.5 (a guess) to 1. */
  confidence: number;
  evidence: TextKindEvidence;
}

const VERSE_SCORE = 0.35;
const MIN_WRAP_WIDTH = 50;

/**
 * Decides whether a text is verse or prose from the shape of its lines.
 *
 * Prose wrapped at a fixed width breaks a line only when the next word would not fit, so its
 * lines fill out to the wrap width; verse breaks lines early and unevenly, usually starts them
 * with a capital and often ends them with punctuation. Markdown hard breaks are a writer
 * insisting on their line breaks: verse. Long unwrapped lines are paragraphs: prose. Prose
 * poetry set in wrapped paragraphs (Stein's *Tender Buttons*) is prose here, because its
 * continuation should follow sentences, not lines. CJK text is verse when its lines and
 * clauses are short and of regular length (five or seven characters in Tang verse).
 */
export function detectTextKind(text: string): TextKind {
  const stanzas = splitStanzas(text, { cjkClauses: false });
  const all = stanzas.flatMap((s) => s.lines.map((l) => l.text));
  if (all.length && isCjkText(all.join(''))) return cjkKind(all);
  const evidence = measure(stanzas);
  const { shortBreaks, capitalStarts, punctuatedEnds, hardBreaks, medianLength, lines } = evidence;

  if (lines < 2) return { kind: 'prose', confidence: 0.5, evidence };
  if (hardBreaks >= 0.5) return { kind: 'verse', confidence: 0.95, evidence };
  if (medianLength > 100) return { kind: 'prose', confidence: 0.95, evidence };
  // Only one-line paragraphs (dialogue, unwrapped prose): nothing says the breaks are verse.
  if (!stanzas.some((s) => s.lines.length > 1)) return { kind: 'prose', confidence: 0.6, evidence };
  // Short breaks weigh most; capitals and end punctuation carry blank verse, whose even line
  // lengths can look like wrapping.
  const score = 0.5 * shortBreaks + 0.3 * capitalStarts + 0.2 * punctuatedEnds;
  const kind: TextKindName = score >= VERSE_SCORE ? 'verse' : 'prose';
  const confidence = Math.min(1, 0.5 + Math.abs(score - VERSE_SCORE) * 1.5);
  return { kind, confidence, evidence };
}

function measure(stanzas: readonly PoemStanza[]): TextKindEvidence {
  const lengths = stanzas.flatMap((s) => s.lines.map((l) => l.text.length)).sort((a, b) => a - b);
  // A high quantile, not the maximum, estimates the wrap width: one long line must not make
  // every wrapped line of a paragraph look short. Nobody wraps prose narrower than about 50
  // columns, so a short poem's own longest line does not count as its wrap width.
  const width = Math.max(MIN_WRAP_WIDTH, lengths[Math.floor((lengths.length - 1) * 0.9)] ?? 0);
  let breaks = 0;
  let shortBreaks = 0;
  let punctuated = 0;
  let hard = 0;
  let starts = 0;
  let capitals = 0;
  for (const { lines } of stanzas) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (i > 0) {
        const first = /\p{L}/u.exec(line.text)?.[0];
        if (first) {
          starts++;
          if (first !== first.toLowerCase()) capitals++;
        }
      }
      if (i === lines.length - 1) continue;
      breaks++;
      const nextWord = lines[i + 1].text.split(/\s+/)[0];
      if (line.text.length + 1 + nextWord.length <= width) shortBreaks++;
      if (/[.,;:!?\u2014\u2013)"'\u201D\u2019-]$/.test(line.text)) punctuated++;
      if (line.hardBreak) hard++;
    }
  }
  return {
    lines: lengths.length,
    shortBreaks: breaks ? shortBreaks / breaks : 0,
    capitalStarts: starts ? capitals / starts : 0,
    punctuatedEnds: breaks ? punctuated / breaks : 0,
    hardBreaks: breaks ? hard / breaks : 0,
    medianLength: lengths.length ? lengths[Math.floor(lengths.length / 2)] : 0,
  };
}

function cjkKind(lines: readonly string[]): TextKind {
  const lengths = lines.map(countCjkCharacters).filter((n) => n > 0).sort((a, b) => a - b);
  const clauses = lines.flatMap((l) => splitCjkClauses(l).map((c) => countCjkCharacters(c.text))).filter((n) => n > 0);
  const counts = new Map<number, number>();
  for (const n of clauses) counts.set(n, (counts.get(n) ?? 0) + 1);
  const modal = Math.max(0, ...counts.values());
  const regularity = clauses.length ? modal / clauses.length : 0;
  const medianLength = lengths[Math.floor(lengths.length / 2)] ?? 0;
  const verse = medianLength <= 40 && regularity >= 0.4;
  const evidence: TextKindEvidence = { lines: lines.length, shortBreaks: 0, capitalStarts: 0, punctuatedEnds: 0, hardBreaks: 0, medianLength };
  return { kind: verse ? 'verse' : 'prose', confidence: verse ? 0.5 + regularity / 2 : 0.8, evidence };
}
