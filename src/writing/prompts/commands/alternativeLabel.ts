/**
 * A label and detail for an alternative in a picker: its first line, and all of it with line
 * breaks shown as " / " and stanza breaks as " // ", as verse is quoted in prose.
 */
export function describeAlternative(text: string): { label: string; detail: string } {
  const trimmed = text.replace(/\r\n?/g, '\n').replace(/^\s*\n/, '').trim();
  const label = trimmed.split('\n', 1)[0]!.trim();
  const detail = trimmed.replace(/[ \t]*\n[ \t]*\n\s*/g, ' // ').replace(/[ \t]*\n[ \t]*/g, ' / ');
  return { label, detail };
}
