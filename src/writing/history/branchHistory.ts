/**
 * The branch history of a document: every continuation Inkling offered at a place — the one
 * inserted, the alternatives not taken, each Regenerate, each rewrite from a chosen word — kept
 * as a branch of that place with its seed and settings, so the writer can go back to any of
 * them. Pure: the editor side (vscode/history/branchHistory.ts) follows edits, stores the history in the
 * workspace's `.inkling/branches/` and swaps texts.
 */
import { hashText } from '../prompts/ghost/completionCache';
import { shiftRange, type TextEdit } from './insertionTracker';
import type { ProvenanceRecord, WritingCommand } from './provenanceRecord';
import { msg } from '../../common/message';

/** The settings a branch was written with (as the provenance log records them). */
export type BranchSettings = ProvenanceRecord['settings'];

export interface Branch {
  id: string;
  /** The text, with `\n` line breaks. */
  text: string;
  seed: number;
  command: WritingCommand;
  model: string;
  /** When it was written, ISO 8601. */
  time: string;
  settings: BranchSettings;
}

export interface Place {
  id: string;
  /** Where the place is in the document as it is now (a `\n` offset, as the text the history was given). */
  offset: number;
  /** The text right before the place when it was made: finds it again in a document edited elsewhere. */
  anchor: string;
  /** The branch whose text stands at the place, or null when none does (undone, or nothing was inserted). */
  current: string | null;
  /** The writer has edited the current branch's text since: switching would lose their edit. */
  edited: boolean;
  /** The place could not be found in the document when it was opened. */
  lost?: boolean;
  /** When a branch was last added or chosen here, ISO 8601 (the oldest places go first). */
  used: string;
  branches: Branch[];
}

/** `.inkling/branches/<document>.json`. */
export interface DocumentBranches {
  v: 1;
  /** The document, relative to its workspace folder, `/` separators. */
  document: string;
  places: Place[];
}

export interface BranchLimits {
  /** Places kept per document; the least recently used go first. */
  places: number;
  /** Branches kept per place; the oldest that is not current goes first. */
  branches: number;
  /** Longer texts are not kept (a continuation is at most a few thousand characters). */
  textChars: number;
}

export const DEFAULT_BRANCH_LIMITS: BranchLimits = { places: 100, branches: 20, textChars: 20_000 };
/** Characters of text before a place kept to find it again. */
export const ANCHOR_CHARS = 120;

export interface OfferedBranch {
  text: string;
  seed: number;
  command: WritingCommand;
  model: string;
  settings: BranchSettings;
}

export type SwitchPlan =
  | { ok: true; start: number; end: number; text: string; replaced: string }
  | { ok: false; reason: 'unknown' | 'lost' | 'edited' | 'moved' | 'current'; message: string };

/**
 * A document's places and branches, followed through edits. Offsets are in the document's text
 * with `\n` line breaks; `time` is injected so that tests are repeatable.
 */
export class BranchHistory {
  private nextId: number;

  constructor(
    readonly data: DocumentBranches,
    private readonly limits: BranchLimits = DEFAULT_BRANCH_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.nextId = 1 + Math.max(0, ...data.places.flatMap((p) => [idNumber(p.id), ...p.branches.map((b) => idNumber(b.id))]));
  }

  static empty(document: string, limits?: BranchLimits, now?: () => Date): BranchHistory {
    return new BranchHistory({ v: 1, document, places: [] }, limits, now);
  }

  /** Reads a stored history; anything malformed is dropped rather than trusted. */
  static parse(json: string, document: string, limits?: BranchLimits, now?: () => Date): BranchHistory {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return BranchHistory.empty(document, limits, now);
    }
    const places: Place[] = [];
    const r = raw as Partial<DocumentBranches> | null;
    if (r && r.v === 1 && Array.isArray(r.places)) {
      for (const p of r.places as unknown[]) {
        const place = validPlace(p);
        if (place) places.push(place);
      }
    }
    return new BranchHistory({ v: 1, document, places }, limits, now);
  }

  get places(): readonly Place[] {
    return this.data.places;
  }

  place(id: string): Place | undefined {
    return this.data.places.find((p) => p.id === id);
  }

  /**
   * Keeps continuations offered at `offset` of `text` (the document now, `\n` line breaks): at
   * the place already there (same offset, same text before it) or a new one. A text the place
   * has already is not kept twice. `current`: the index of the one now standing at the place
   * (inserted), or null when none was inserted. Returns the place and the offered branches.
   */
  offer(text: string, offset: number, offered: OfferedBranch[], current: number | null): { place: Place; branches: Branch[] } {
    const time = this.now().toISOString();
    const anchor = text.slice(Math.max(0, offset - ANCHOR_CHARS), offset);
    let place = this.data.places.find((p) => p.offset === offset && !p.lost && text.slice(Math.max(0, offset - p.anchor.length), offset) === p.anchor);
    if (!place) {
      place = { id: `p${this.nextId++}`, offset, anchor, current: null, edited: false, used: time, branches: [] };
      this.data.places.push(place);
    }
    place.used = time;
    const branches: Branch[] = [];
    for (const [i, o] of offered.entries()) {
      const t = o.text.replace(/\r\n?/g, '\n');
      if (!t.trim() || t.length > this.limits.textChars) continue;
      let branch = place.branches.find((b) => b.text === t);
      if (!branch) {
        branch = { id: `b${this.nextId++}`, text: t, seed: o.seed, command: o.command, model: o.model, time, settings: o.settings };
        place.branches.push(branch);
      }
      branches.push(branch);
      if (i === current) {
        place.current = branch.id;
        place.edited = false;
      }
    }
    this.bound(place);
    return { place, branches };
  }

  /** Follows one edit of the document (`\n` offsets); several edits of one change go in descending offset order. */
  applyEdit(edit: TextEdit): void {
    for (const place of this.data.places) {
      if (place.lost) continue;
      const current = place.current ? place.branches.find((b) => b.id === place.current) : undefined;
      const length = current && !place.edited ? current.text.length : 0;
      // The current text removed whole (Undo): the place is empty again, and a branch can go in.
      if (current && !place.edited && edit.offset === place.offset && edit.deleted === length && !edit.inserted && length > 0) {
        place.current = null;
        continue;
      }
      // One of the place's branches put back where it was (Redo): it stands there again.
      const back = !current && edit.offset === place.offset && !edit.deleted ? place.branches.find((b) => b.text === edit.inserted.replace(/\r\n?/g, '\n')) : undefined;
      if (back) {
        place.current = back.id;
        place.edited = false;
        continue;
      }
      const start = shiftRange(place.offset, length, edit);
      if (start !== null) {
        place.offset = start;
        continue;
      }
      // Touched: the place stays where its text starts (or where the edit began, if that is earlier).
      if (edit.offset < place.offset) place.offset = edit.offset;
      if (current) place.edited = true;
    }
  }

  /** What switching a place to a branch does to `text` (the document now), or why it may not. */
  planSwitch(text: string, placeId: string, branchId: string): SwitchPlan {
    const place = this.place(placeId);
    const branch = place?.branches.find((b) => b.id === branchId);
    if (!place || !branch) return { ok: false, reason: 'unknown', message: msg('That branch is no longer in the history.') };
    if (place.lost) return { ok: false, reason: 'lost', message: msg('Inkling could not find this place in the document any more (it was changed outside this window), so it cannot switch here.') };
    if (place.current === branch.id && !place.edited) return { ok: false, reason: 'current', message: msg('That branch is the text already there.') };
    if (text.slice(Math.max(0, place.offset - place.anchor.length), place.offset) !== place.anchor && place.anchor) {
      return { ok: false, reason: 'moved', message: msg('The text just before this place has changed since Inkling wrote there, so it does not switch branches here.') };
    }
    const current = place.current ? place.branches.find((b) => b.id === place.current) : undefined;
    if (place.edited || (current && text.slice(place.offset, place.offset + current.text.length) !== current.text)) {
      return { ok: false, reason: 'edited', message: msg('You have edited the text at this place since Inkling wrote it; switching branches would lose your edits. Undo them first, or copy the branch\'s text.') };
    }
    const end = place.offset + (current?.text.length ?? 0);
    return { ok: true, start: place.offset, end, text: branch.text, replaced: text.slice(place.offset, end) };
  }

  /** The switch happened: `branchId` stands at the place now. */
  switched(placeId: string, branchId: string): void {
    const place = this.place(placeId);
    if (!place) return;
    place.current = branchId;
    place.edited = false;
    place.used = this.now().toISOString();
  }

  /**
   * Finds the places again in a document opened afresh (it may have been edited elsewhere): at
   * the stored offset if the text before it (and the current branch's text) is still there,
   * otherwise where that text occurs once; a place not found is marked lost.
   */
  relocate(text: string): void {
    for (const place of this.data.places) {
      const current = place.current ? place.branches.find((b) => b.id === place.current) : undefined;
      const body = current && !place.edited ? current.text : '';
      const at = (o: number) => o >= place.anchor.length && text.slice(o - place.anchor.length, o) === place.anchor && text.slice(o, o + body.length) === body;
      place.lost = false;
      if (at(place.offset)) continue;
      const needle = place.anchor + body;
      const found = needle ? text.indexOf(needle) : -1;
      if (found >= 0 && text.indexOf(needle, found + 1) < 0) {
        place.offset = found + place.anchor.length;
        continue;
      }
      place.lost = true;
    }
  }

  /** The document was renamed: the history goes with it. */
  rename(document: string): void {
    this.data.document = document;
  }

  toJSON(): DocumentBranches {
    return this.data;
  }

  private bound(place: Place): void {
    while (place.branches.length > this.limits.branches) {
      const oldest = place.branches.findIndex((b) => b.id !== place.current);
      place.branches.splice(oldest < 0 ? 0 : oldest, 1);
    }
    if (this.data.places.length > this.limits.places) {
      const byUse = [...this.data.places].sort((a, b) => a.used.localeCompare(b.used));
      const drop = new Set(byUse.slice(0, this.data.places.length - this.limits.places).map((p) => p.id));
      this.data.places = this.data.places.filter((p) => !drop.has(p.id));
    }
  }
}

/** A short label for a branch: its first line with words, cut at a word. */
export function branchLabel(text: string, max = 60): string {
  const line = text.split('\n').find((l) => l.trim())?.trim() ?? '';
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max * 0.6)).trimEnd()}…`;
}

/**
 * Labels for the branches of one place that show where they differ: when all begin with the same
 * three words or more, each label starts at the last of them ("…Tim saw a big tree").
 */
export function branchLabels(texts: readonly string[], max = 60): string[] {
  const lines = texts.map((t) => t.split('\n').find((l) => l.trim())?.trim() ?? '');
  const words = lines.map((l) => l.split(/\s+/));
  let common = 0;
  while (texts.length > 1 && words.every((w) => w.length > common + 1 && w[common] === words[0]![common])) common++;
  if (common < 3) return texts.map((t) => branchLabel(t, max));
  return words.map((w) => branchLabel(`…${w.slice(common - 1).join(' ')}`, max));
}

/**
 * Longest plain name, in bytes: file systems allow 255, and the atomic writes add `.json` and up
 * to `.<12 hex>.tmp` while they write. Every name that could be written before long paths were
 * hashed stays as it was, so no stored history is orphaned.
 */
const PLAIN_NAME_BYTES = 233;
/** Readable part of a hashed name: the path's end, leaving room for `%%` and the hash. */
const READABLE_NAME_BYTES = 160;

/**
 * The file name of a document's stored history (and who-wrote-what): its relative path, readable
 * and unique. A path too long for a file name (deep folders, or non-Latin names, whose every
 * character encodes to 6–12 bytes) keeps its end — the document's own name — and a hash of the
 * whole after `%%`, which encodeURIComponent never writes, so such names are told apart.
 */
export function branchFileName(document: string): string {
  const readable = encodeURIComponent(document);
  if (readable.length <= PLAIN_NAME_BYTES) return `${readable}.json`;
  const chars = [...document];
  let tail = '';
  for (let i = chars.length - 1; i >= 0 && encodeURIComponent(chars[i] + tail).length <= READABLE_NAME_BYTES - 16; i--) tail = chars[i] + tail;
  return `${encodeURIComponent(tail)}%%${hashText(document).replace('.', '-')}.json`;
}

/** A stored file name made by branchFileName for a long path: its document is only in its contents. */
export function isHashedFileName(file: string): boolean {
  return file.includes('%%');
}

function idNumber(id: string): number {
  const n = Number(id.slice(1));
  return Number.isFinite(n) ? n : 0;
}

function validPlace(p: unknown): Place | null {
  const r = p as Partial<Place> | null;
  if (!r || typeof r.id !== 'string' || typeof r.offset !== 'number' || !(r.offset >= 0) || typeof r.anchor !== 'string' || !Array.isArray(r.branches)) return null;
  const branches = (r.branches as unknown[]).filter((b): b is Branch => {
    const x = b as Partial<Branch> | null;
    return !!x && typeof x.id === 'string' && typeof x.text === 'string' && typeof x.seed === 'number' && typeof x.command === 'string' && typeof x.time === 'string' && typeof x.settings === 'object' && x.settings !== null;
  });
  if (!branches.length) return null;
  const current = typeof r.current === 'string' && branches.some((b) => b.id === r.current) ? r.current : null;
  return { id: r.id, offset: Math.floor(r.offset), anchor: r.anchor, current, edited: r.edited === true, used: typeof r.used === 'string' ? r.used : '', branches: branches.map((b) => ({ ...b, model: typeof b.model === 'string' ? b.model : 'unknown' })) };
}
