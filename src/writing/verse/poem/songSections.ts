/**
 * Song lyrics: the section labels writers put above a verse or chorus ("[Verse 2]", "[Chorus]",
 * "Chorus:", "CHORUS"). A label is not a line of verse — it is never measured, rhymed or
 * rewritten — and it says which earlier section a new one should follow.
 */

/** What a section is in the song. */
export type SectionKind = 'verse' | 'chorus' | 'pre-chorus' | 'bridge' | 'intro' | 'outro' | 'refrain' | 'hook';

/** A label line, read. */
export interface SectionLabel {
  kind: SectionKind;
  /** Its number ("[Verse 2]" → 2), or null. */
  number: number | null;
  /** The label as written (trimmed), so that a label written later copies the writer's spelling. */
  text: string;
}

/** What to do after a verse when the song has a chorus (setting `inkling.form.chorus`). */
export type ChorusMode = 'repeat' | 'vary' | 'off';

const KINDS: Readonly<Record<string, SectionKind>> = {
  verse: 'verse',
  chorus: 'chorus',
  'pre-chorus': 'pre-chorus',
  prechorus: 'pre-chorus',
  'pre chorus': 'pre-chorus',
  bridge: 'bridge',
  intro: 'intro',
  outro: 'outro',
  refrain: 'refrain',
  hook: 'hook',
};

// "[Verse 2]", "[Chorus]", "(Chorus)", "Chorus:", "Verse 1:", "CHORUS", "Chorus" alone on its line;
// "Chorus x2" and "[Chorus: Both]" too. Anything after the name but a number, a repeat mark or a
// bracketed note makes it a line of verse that happens to start with the word ("Chorus of birds").
const LABEL = /^\s*([[(])?\s*(verse|chorus|pre-?\s?chorus|bridge|intro|outro|refrain|hook)\s*(\d+)?\s*(?:[:\-–—]\s*[^\])]*)?\s*([\])])?\s*:?\s*(?:x\s*\d+|×\s*\d+)?\s*$/i;

/** Reads a line as a section label, or null when it is anything else (a line of verse). */
export function sectionLabel(line: string): SectionLabel | null {
  const m = LABEL.exec(line);
  if (!m) return null;
  const [, open, name, digits, close] = m;
  // Brackets must pair; a bare name needs a colon, capitals or nothing after it to be a label.
  if (Boolean(open) !== Boolean(close)) return null;
  const bare = !open;
  const trimmed = line.trim();
  if (bare && /[:\-–—]\s*\S/.test(trimmed.slice(name!.length + (digits ? digits.length + 1 : 0)))) {
    // "Chorus: all together" is a label with a note; keep it only when the note is short.
    if (trimmed.split(/\s+/).length > 4) return null;
  }
  const kind = KINDS[name!.toLowerCase().replace(/\s+/g, ' ')] ?? KINDS[name!.toLowerCase().replace(/[\s-]/g, '')];
  if (!kind) return null;
  return { kind, number: digits ? Number(digits) : null, text: trimmed };
}

/** Whether a line is a section label. */
export function isSectionLabel(line: string): boolean {
  return sectionLabel(line) !== null;
}

/**
 * The label for the next section of `kind`, spelled as the writer spells labels: the latest
 * label of that kind copied ("[Chorus]"), numbered one on when the writer numbers them
 * ("[Verse 2]" → "[Verse 3]"). Null when the song has no label of that kind to copy.
 */
export function nextLabel(labels: readonly SectionLabel[], kind: SectionKind): string | null {
  const same = labels.filter((l) => l.kind === kind);
  const last = same[same.length - 1];
  if (!last) return null;
  if (last.number === null) return last.text;
  const highest = Math.max(...same.map((l) => l.number ?? 0));
  return last.text.replace(/\d+/, String(highest + 1));
}
