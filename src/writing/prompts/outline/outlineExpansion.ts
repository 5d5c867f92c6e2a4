import { cutContinuation, type ContinuationForm } from '../commands/continuation';
import type { WritingRequest } from '../commands/continuationRequest';
import { buildOutlinePrompt, parseOutline, type OutlinePoint } from './outline';

/** A prose passage of up to about 120 words per plot point. */
export const PASSAGE_TOKENS = 160;

/** Where the passage for one plot point goes. */
export interface PassageSlot {
  /** Index of the point in `OutlinePlan.points`. */
  point: number;
  /** The point's words. */
  title: string;
  /** 0-based line after whose end the passage goes: the point's last line, notes included. */
  afterLine: number;
  /** Indentation that keeps the passage inside its list item ('' under a heading). */
  indent: string;
}

export interface OutlinePlan {
  points: OutlinePoint[];
  /** One slot per point that has no sub-points, in document order. */
  slots: PassageSlot[];
}

const LIST_MARKER = /^(\s*)([-*+]|\d{1,9}[.)])(\s+)/;

/**
 * Plans "Expand Outline": every plot point without sub-points (a list item, or a heading with
 * no list under it) gets a passage after its own text and notes; points with sub-points are
 * the outline's structure, written through their children. With `lines`, only points that
 * start within those lines (the selection) are expanded.
 */
export function planOutlineExpansion(markdown: string, lines?: { start: number; end: number }): OutlinePlan {
  const text = markdown.replace(/\r\n?/g, '\n');
  const points = parseOutline(text);
  const textLines = text.split('\n');
  const parents = new Set(points.map((p) => p.parent).filter((p): p is number => p !== null));
  const slots: PassageSlot[] = [];
  points.forEach((p, i) => {
    if (parents.has(i)) return;
    if (lines && (p.line < lines.start || p.line > lines.end)) return;
    const marker = p.kind === 'heading' ? null : LIST_MARKER.exec(textLines[p.line]!);
    const indent = marker ? ' '.repeat(marker[0].replace(/\t/g, '    ').length) : '';
    slots.push({ point: i, title: p.text, afterLine: p.sectionEndLine, indent });
  });
  return { points, slots };
}

/**
 * The prose written so far before a line: the text of the document up to and including
 * `throughLine`, without the outline's own lines (headings and list items), unindented, with
 * at most one blank line between paragraphs.
 */
export function proseBefore(markdown: string, points: readonly OutlinePoint[], throughLine: number): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n').slice(0, throughLine + 1);
  const outlineLines = new Set<number>();
  for (const p of points) for (let n = p.line; n <= p.endLine; n++) outlineLines.add(n);
  return lines
    .map((line, n) => (outlineLines.has(n) ? '' : line.trim()))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A passage as one Markdown paragraph: the model's line breaks become spaces, and a start that
 * Markdown would read as a heading, list item, quote or fence is escaped, so the outline keeps
 * exactly its points.
 */
export function passageParagraph(text: string): string {
  const joined = text.replace(/\s+/g, ' ').trim();
  return joined.replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2').replace(/^(#|[-*+](?=\s|$)|>|`{3}|~{3})/, '\\$1');
}

const PROSE: ContinuationForm = {
  kind: 'prose',
  typicalStanzaLength: null,
  next: { stanza: 0, lineInStanza: 0, startsStanza: true, needsStanzaBreak: false, letter: null, rhymeWith: null, linesRemainingInStanza: null, targetLength: null, indent: '', refrain: null, range: null, label: null },
};

/**
 * The request for the passage under one slot of the current text's plan: the prompt shows the
 * outline, the prose written before the slot and the point; the insertion is a blank line, the
 * passage (indented into its list item) and, when the outline goes on right below, a blank
 * line after it.
 */
export function buildPassageRequest(markdown: string, plan: OutlinePlan, slotIndex: number): WritingRequest & { slot: PassageSlot } {
  const slot = plan.slots[slotIndex];
  if (!slot) throw new RangeError(`No passage slot ${slotIndex}; the outline has ${plan.slots.length}.`);
  const text = markdown.replace(/\r\n?/g, '\n');
  const nextLine = text.split('\n')[slot.afterLine + 1];
  const closing = nextLine !== undefined && nextLine.trim() !== '' ? '\n' : '';
  const cut = (generated: string, finished: boolean) => cutContinuation(generated, PROSE, { finished });
  return {
    slot,
    prompt: buildOutlinePrompt(plan.points, slot.point, proseBefore(text, plan.points, slot.afterLine)),
    stopStrings: ['\n\n'],
    maxNewTokens: PASSAGE_TOKENS,
    kind: 'prose',
    lines: 1,
    // Like Continue Writing's paragraph: it ends after a sentence, not on a comma.
    formConstraint: { paragraph: true },
    finish(generated, finished) {
      const paragraph = passageParagraph(cut(generated, finished).text);
      return paragraph ? `\n\n${slot.indent}${paragraph}${closing}` : '';
    },
    isComplete: (generated) => cut(generated, false).complete,
  };
}

/** Offset of the end of a 0-based line (before its line break). */
export function lineEndOffset(text: string, line: number): number {
  let offset = 0;
  for (let n = 0; n < line; n++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end;
}
