import { findFrontMatter } from '../text/frontMatter';
import { stripInlineMarkdown } from '../text/markdownLine';
import { prefixWindow, type CountTokens } from '../text/prefixWindow';

/** One plot point of an outline. */
export interface OutlinePoint {
  /** The point's words, list marker and inline Markdown removed, wrapped lines joined. */
  text: string;
  kind: 'heading' | 'bullet' | 'numbered';
  /** Nesting depth from 0: heading levels first, then list indentation under them. */
  depth: number;
  /** Index of the enclosing point, or null at the top. */
  parent: number | null;
  /** 0-based line where the point starts. */
  line: number;
  /** Last line of the point's own text (a list item may wrap over several lines). */
  endLine: number;
  /** Last non-blank line before the next point at the same or a shallower depth: the point with its sub-points and notes. */
  sectionEndLine: number;
}

const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+\s*)?$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Parses a Markdown outline (headings, bulleted or numbered lists, nested to any depth) into
 * its points, in document order, with their line ranges. Code blocks and front matter are
 * skipped; other text belongs to the point above it.
 */
export function parseOutline(markdown: string): OutlinePoint[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const frontMatter = findFrontMatter(markdown);
  const firstLine = frontMatter ? markdown.slice(0, frontMatter.end).split('\n').length - 1 : 0;
  const headingLevels = [...new Set(lines.map((l) => HEADING.exec(l)?.[1].length).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);

  const points: OutlinePoint[] = [];
  const headingStack: number[] = [];
  let listStack: { indent: number; index: number }[] = [];
  let fence: string | null = null;
  let open: OutlinePoint | null = null; // the point whose text may continue on the next line
  let lastNonBlank = -1;

  for (let n = firstLine; n < lines.length; n++) {
    const line = lines[n];
    const fenceMatch = FENCE.exec(line);
    if (fence !== null) {
      if (fenceMatch && fenceMatch[1][0] === fence) fence = null;
      lastNonBlank = n;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1][0];
      open = null;
      lastNonBlank = n;
      continue;
    }
    if (!line.trim()) {
      open = null;
      continue;
    }
    lastNonBlank = n;

    const heading = HEADING.exec(line);
    if (heading) {
      const depth = headingLevels.indexOf(heading[1].length);
      while (headingStack.length && points[headingStack[headingStack.length - 1]].depth >= depth) headingStack.pop();
      listStack = [];
      points.push(point(heading[2], 'heading', depth, headingStack[headingStack.length - 1] ?? null, n));
      headingStack.push(points.length - 1);
      open = null;
      continue;
    }

    const item = LIST_ITEM.exec(line);
    if (item) {
      const indent = item[1].replace(/\t/g, '    ').length;
      while (listStack.length && listStack[listStack.length - 1].indent >= indent) listStack.pop();
      const parent = listStack[listStack.length - 1]?.index ?? headingStack[headingStack.length - 1] ?? null;
      const depth = parent === null ? 0 : points[parent].depth + 1;
      points.push(point(item[3], /\d/.test(item[2]) ? 'numbered' : 'bullet', depth, parent, n));
      listStack.push({ indent, index: points.length - 1 });
      open = points[points.length - 1];
      continue;
    }

    // A wrapped line of the item above continues its text.
    if (open) {
      open.text = `${open.text} ${clean(line)}`.trim();
      open.endLine = n;
    }
  }

  points.forEach((p, i) => {
    const next = points.slice(i + 1).find((q) => q.depth <= p.depth);
    let end = next ? next.line - 1 : lastNonBlank;
    while (end > p.endLine && !lines[end].trim()) end--;
    p.sectionEndLine = Math.max(end, p.endLine);
  });
  return points;
}

function point(text: string, kind: OutlinePoint['kind'], depth: number, parent: number | null, line: number): OutlinePoint {
  return { text: clean(text), kind, depth, parent, line, endLine: line, sectionEndLine: line };
}

function clean(text: string): string {
  return stripInlineMarkdown(text).replace(/\s+/g, ' ').trim();
}

export interface OutlinePromptOptions {
  /** The work's title, if any, put first. */
  title?: string;
  /** Budget for the text written so far (the end of it is kept); characters unless `countTokens` is given. Default 4000. */
  maxBeforeChars?: number;
  countTokens?: CountTokens;
}

/**
 * A prompt for writing the part of a work that one outline point covers, for a base language
 * model: the outline (so the model knows where the story goes), the end of what is written
 * so far (so it continues in voice), then the point itself with the points it sits under.
 */
export function buildOutlinePrompt(points: readonly OutlinePoint[], index: number, before: string, options: OutlinePromptOptions = {}): string {
  const target = points[index];
  if (!target) throw new RangeError(`No outline point ${index}; the outline has ${points.length}.`);
  const outline = points.map((p) => `${'  '.repeat(p.depth)}- ${p.text}`).join('\n');
  const path: string[] = [];
  for (let p: number | null = index; p !== null; p = points[p].parent) path.unshift(points[p].text);
  const sofar = prefixWindow(before, options.maxBeforeChars ?? 4000, options.countTokens).text.trim();

  const parts: string[] = [];
  if (options.title) parts.push(`# ${options.title.trim()}`);
  parts.push(`Outline:\n${outline}`);
  if (sofar) parts.push(`Written so far:\n${sofar}`);
  parts.push(`Next, ${path.join(' › ')}:\n`);
  return parts.join('\n\n');
}
