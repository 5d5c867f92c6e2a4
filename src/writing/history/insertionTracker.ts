import { msg } from '../../common/message';

/** One change to a document: `deleted` characters at `offset` replaced by `inserted`. */
export interface TextEdit {
  offset: number;
  deleted: number;
  inserted: string;
}

/**
 * Where a range of text (`start`, `length`) is after an edit, or null when the edit touched it.
 * Text typed right before or right after the range leaves it whole.
 */
export function shiftRange(start: number, length: number, edit: TextEdit): number | null {
  const end = start + length;
  const editEnd = edit.offset + edit.deleted;
  if (editEnd <= start) return start + edit.inserted.length - edit.deleted;
  if (edit.offset >= end) return start;
  return null;
}

/** A text Inkling inserted into a document, and what it needs to write it again. */
export interface TrackedInsertion<T> {
  /** Offset of the inserted text in the document as it is now. */
  start: number;
  text: string;
  /** The writer changed (or undid) some of it since. */
  edited: boolean;
  detail: T;
}

export type InsertionCheck<T> =
  | { ok: true; insertion: TrackedInsertion<T> }
  | { ok: false; reason: 'none' | 'edited'; message: string };

/**
 * Remembers the last insertion per document and follows it through later edits, so
 * Regenerate can replace it only while it is exactly as inserted.
 */
export class InsertionTracker<T> {
  private readonly last = new Map<string, TrackedInsertion<T>>();

  record(document: string, start: number, text: string, detail: T): TrackedInsertion<T> {
    const insertion = { start, text, edited: false, detail };
    this.last.set(document, insertion);
    return insertion;
  }

  get(document: string): TrackedInsertion<T> | undefined {
    return this.last.get(document);
  }

  /** Follows one edit; several edits of one change event go in descending offset order. */
  applyEdit(document: string, edit: TextEdit): void {
    const insertion = this.last.get(document);
    if (!insertion || insertion.edited) return;
    const start = shiftRange(insertion.start, insertion.text.length, edit);
    if (start === null) insertion.edited = true;
    else insertion.start = start;
  }

  /** The document was closed or replaced: its insertion can no longer be found. */
  forget(document: string): void {
    this.last.delete(document);
  }

  /** Whether the last insertion in a document is still there exactly as inserted. */
  check(document: string, documentText: string): InsertionCheck<T> {
    const insertion = this.last.get(document);
    if (!insertion) return { ok: false, reason: 'none', message: msg('Inkling has inserted nothing in this document yet: there is nothing to regenerate.') };
    const now = documentText.slice(insertion.start, insertion.start + insertion.text.length);
    if (insertion.edited || now !== insertion.text) {
      return { ok: false, reason: 'edited', message: msg('The last text Inkling inserted here has been edited since, so Regenerate leaves it alone. Select where to continue and use Continue Writing instead.') };
    }
    return { ok: true, insertion };
  }
}
