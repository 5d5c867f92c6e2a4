/**
 * Story notes (a lorebook, a story bible): short Markdown files about the people, places and
 * things of a story. A note enters the prompt, before the passage, when one of its keys appears
 * in the text just written — so a small model that has forgotten Elizabeth three paragraphs back
 * reads who she is again — within a token budget, by priority and then by how recently it was
 * mentioned. Pure: parsing, selection and the block the engines put before the passage.
 *
 * A note's front matter names its keys and may mark it `always` or give a `priority`:
 *
 *     ---
 *     keys: [Elizabeth, Lizzy, Miss Bennet]
 *     priority: 2
 *     ---
 *     Elizabeth Bennet, the second daughter: quick, teasing, proud of her judgement.
 *
 * Without keys, the file's name is the key ("Longbourn.md" is used when "Longbourn" is written).
 */

import { msg } from '../../../common/message';

export interface StoryNote {
  /** The file's name without `.md`: how the writer knows the note. */
  name: string;
  keys: string[];
  always: boolean;
  /** Higher first when the budget cannot hold every note mentioned. */
  priority: number;
  /** The note's text, without front matter. */
  body: string;
}

export interface NotesSettings {
  enabled: boolean;
  /** The notes folder, relative to the workspace folder. */
  folder: string;
  /** How much recent text is searched for keys, in characters. */
  scanChars: number;
  /** The most the notes may take of the prompt, in tokens (estimated at 4 characters each). */
  budgetTokens: number;
}

export const DEFAULT_NOTES: Readonly<NotesSettings> = Object.freeze({ enabled: true, folder: '.inkling/notes', scanChars: 2000, budgetTokens: 160 });
export const NOTES_LIMITS = { scanChars: { min: 200, max: 20_000 }, budgetTokens: { min: 0, max: 1000 } } as const;
/** Notes larger than this are cut when read: a note is a reminder, not a chapter. */
export const MAX_NOTE_CHARS = 4000;
export const MAX_NOTES = 500;
export const MAX_KEYS = 32;
const CHARS_PER_TOKEN = 4;

/** A note file's name (without .md) and text as a note; `problem` says what was wrong and how it was read anyway. */
export function parseNote(name: string, text: string): { note: StoryNote; problem?: string } {
  const clean = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const front = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(clean);
  const fields = front ? readFrontMatter(front[1]!) : new Map<string, string | string[]>();
  let body = (front ? clean.slice(front[0].length) : clean).trim();
  let problem: string | undefined;
  if (body.length > MAX_NOTE_CHARS) {
    body = body.slice(0, MAX_NOTE_CHARS);
    problem = `the note is longer than ${MAX_NOTE_CHARS} characters; only its start is used`;
  }
  const rawKeys = fields.get('keys') ?? fields.get('key');
  const keys = (Array.isArray(rawKeys) ? rawKeys : typeof rawKeys === 'string' && rawKeys ? [rawKeys] : [])
    .map((k) => k.trim())
    .filter((k) => k.length > 0 && k.length <= 80)
    .slice(0, MAX_KEYS);
  const always = fields.get('always') === 'true';
  const priorityText = fields.get('priority');
  const priority = typeof priorityText === 'string' && /^-?\d+(\.\d+)?$/.test(priorityText) ? Number(priorityText) : 0;
  if (typeof priorityText === 'string' && !/^-?\d+(\.\d+)?$/.test(priorityText)) problem ??= `priority "${priorityText}" is not a number; using 0`;
  return { note: { name, keys: keys.length ? keys : always ? [] : [name], always, priority, body }, problem };
}

/** The small part of YAML notes use: `key: value`, `key: [a, b]`, and `key:` followed by `- a` lines. */
function readFrontMatter(text: string): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  let listKey: string | null = null;
  for (const line of text.split('\n')) {
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey) {
      (out.get(listKey) as string[]).push(unquote(item[1]!));
      continue;
    }
    const pair = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!pair) continue;
    const key = pair[1]!.toLowerCase();
    const value = pair[2]!.trim();
    listKey = null;
    if (value === '') {
      out.set(key, []);
      listKey = key;
    } else if (value.startsWith('[') && value.endsWith(']')) {
      out.set(key, splitList(value.slice(1, -1)));
    } else out.set(key, unquote(value));
  }
  return out;
}

/** "a, 'b, c', "d"" → a | b, c | d */
function splitList(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([^,]+))\s*(?:,|$)/g;
  for (let m = re.exec(text); m && m[0].length > 0; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3] ?? '').trim());
  return out.filter(Boolean);
}

function unquote(value: string): string {
  const v = value.trim();
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v.replace(/\s+#.*$/, '');
}

export interface NotesChoice {
  /** The notes used, in the order they stand in the prompt. */
  used: StoryNote[];
  /** What goes before the passage ('' when no note is used). */
  block: string;
  /** Notes mentioned that the budget could not hold. */
  left: string[];
}

/**
 * The notes for a passage: those always on and those whose keys appear (whole words, any case)
 * in the last `scanChars` of it; by priority, then the latest mention, within the budget. In the
 * prompt they stand in a fixed order (priority, then name) so that a mention which only moves
 * does not change the block — the engine's cache of the prompt stays usable.
 */
export function chooseNotes(notes: readonly StoryNote[], passage: string, settings: Pick<NotesSettings, 'scanChars' | 'budgetTokens'>): NotesChoice {
  const budget = settings.budgetTokens * CHARS_PER_TOKEN;
  if (budget <= 0 || notes.length === 0) return { used: [], block: '', left: [] };
  const recent = passage.slice(-settings.scanChars);
  const candidates: { note: StoryNote; at: number }[] = [];
  for (const note of notes) {
    if (!note.body) continue;
    const at = note.always ? Infinity : lastMention(recent, note.keys);
    if (at >= 0) candidates.push({ note, at });
  }
  candidates.sort((a, b) => b.note.priority - a.note.priority || b.at - a.at || a.note.name.localeCompare(b.note.name));
  const used: StoryNote[] = [];
  const left: string[] = [];
  let size = 0;
  for (const { note } of candidates) {
    const cost = note.body.length + 2;
    if (size + cost > budget) {
      left.push(note.name);
      continue;
    }
    used.push(note);
    size += cost;
  }
  used.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  return { used, block: used.length ? `${used.map((n) => n.body).join('\n\n')}\n\n` : '', left };
}

/** Where the last mention of any key starts in `text` (whole words, any case), or -1. */
export function lastMention(text: string, keys: readonly string[]): number {
  let best = -1;
  const lower = text.toLowerCase();
  for (const key of keys) {
    const k = key.toLowerCase();
    if (!k) continue;
    for (let i = lower.lastIndexOf(k); i >= 0; i = i > 0 ? lower.lastIndexOf(k, i - 1) : -1) {
      if (i <= best) break;
      // Scripts written without spaces (Chinese, Japanese) have no word boundaries to check.
      const before = i > 0 && !UNSPACED.test(k[0]!) ? lower[i - 1]! : ' ';
      const after = i + k.length < lower.length && !UNSPACED.test(k[k.length - 1]!) ? lower[i + k.length]! : ' ';
      if (!WORD.test(before) && !WORD.test(after)) {
        best = i;
        break;
      }
    }
  }
  return best;
}

const WORD = /[\p{L}\p{N}\p{M}_]/u;
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/**
 * Why `folder` cannot be the notes folder, or null: it must be a relative path inside the
 * workspace folder (no drive, no leading slash, no `..`), so a workspace cannot point Inkling at
 * files outside it.
 */
export function notesFolderProblem(folder: unknown): string | null {
  if (typeof folder !== 'string' || folder.trim() === '') return msg('inkling.notes.folder must be a folder inside the workspace, such as ".inkling/notes".');
  const f = folder.trim().replace(/\\/g, '/');
  if (f.startsWith('/') || /^[A-Za-z]:/.test(f) || f.startsWith('~')) return msg('inkling.notes.folder must be relative to the workspace folder, not "{0}".', folder);
  if (f.split('/').some((part) => part === '..')) return msg('inkling.notes.folder must stay inside the workspace folder: "{0}" leaves it.', folder);
  return null;
}

/** The settings as read, each out-of-range value clamped with a problem. */
export function validateNotesSettings(raw: { enabled?: unknown; folder?: unknown; scanChars?: unknown; budgetTokens?: unknown }): { settings: NotesSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: NotesSettings = { ...DEFAULT_NOTES };
  if (typeof raw.enabled === 'boolean') settings.enabled = raw.enabled;
  if (raw.folder !== undefined) {
    const problem = notesFolderProblem(raw.folder);
    if (problem) problems.push(msg('{0} Using "{1}".', problem, DEFAULT_NOTES.folder));
    else settings.folder = (raw.folder as string).trim().replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  }
  for (const key of ['scanChars', 'budgetTokens'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    const { min, max } = NOTES_LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(msg('inkling.notes.{0} must be a number; using {1}.', key, DEFAULT_NOTES[key]));
      continue;
    }
    const clamped = Math.round(Math.min(max, Math.max(min, v)));
    if (clamped !== v) problems.push(msg('inkling.notes.{0} must be {1}–{2}; using {3}.', key, min, max, clamped));
    settings[key] = clamped;
  }
  return { settings, problems };
}

/** A note's file name for a name typed or selected: letters, digits, spaces and dashes kept. */
export function noteFileName(name: string): string | null {
  const clean = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f<>:"/\\|?*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (!clean || clean.length > 80) return null;
  return `${clean}.md`;
}

/** A new note's text for a name: its key, and a line to fill in. */
export function newNoteText(name: string): string {
  const key = name.includes(',') || /^[\s'"[\]]|[\s'"[\]]$/.test(name) ? JSON.stringify(name) : name;
  return `---\nkeys: [${key}]\npriority: 0\n---\n${name}: \n`;
}
