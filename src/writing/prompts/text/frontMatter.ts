/** Where a document's YAML (`---`) or TOML (`+++`) front matter lies. */
export interface FrontMatter {
  /** Offset just past the closing fence line (or the end of the text when still open). */
  end: number;
  /** False while the writer is still typing it: opened, not yet closed. */
  closed: boolean;
}

/**
 * Finds front matter at the very start of a document. An opening `---` with no closing fence
 * counts only while every line after it looks like YAML (`key: value`, list items, indented
 * lines): otherwise the `---` is a Markdown thematic break above ordinary text.
 */
export function findFrontMatter(text: string): FrontMatter | null {
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  const opener = /^(---|\+\+\+)[ \t]*(?:\r?\n|$)/.exec(text.slice(bom));
  if (!opener) return null;
  const fence = opener[1];
  const closing = fence === '---' ? /^(?:---|\.\.\.)[ \t]*$/ : /^\+\+\+[ \t]*$/;
  let offset = bom + opener[0].length;
  let yamlLike = true;
  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(offset, lineEnd).replace(/\r$/, '');
    const next = newline < 0 ? text.length : newline + 1;
    if (closing.test(line)) return { end: next, closed: true };
    if (line.trim() && !/^\s|^[\w"'.-][^:=]*\s*[:=]|^-(\s|$)|^#/.test(line)) yamlLike = false;
    offset = next;
  }
  return yamlLike ? { end: text.length, closed: false } : null;
}
