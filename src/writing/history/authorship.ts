/**
 * Who wrote what in a document: the ranges Inkling wrote, kept as written or since edited by the
 * writer, followed through every edit (an edit above moves them, one inside marks them edited,
 * deleting them removes them); the share of the document each has; and the short disclosure a
 * writer who must declare AI use can publish. Pure: the editor side (vscode/history/authorship.ts)
 * feeds it edits and insertions, stores it beside the provenance log and draws it.
 */
import type { ProvenanceRecord, WritingCommand } from './provenanceRecord';
import type { TextEdit } from './insertionTracker';
import { remapLineEndings } from './lineEndings';
import { msg } from '../../common/message';

export interface AuthorSpan {
  start: number;
  end: number;
  /** The writer has changed characters inside it since Inkling wrote it. */
  edited: boolean;
  command: WritingCommand;
  model: string;
  /** When Inkling wrote it, ISO 8601. */
  time: string;
  /** The document version whose edit first marked it edited (to tell Inkling's own rewrites from the writer's). */
  editedAt?: number;
  /** Its characters, followed through edits (to know an undo that puts them back); absent when not known. */
  text?: string;
}

/** A span as stored: with its text at the time, to find it again in a document edited elsewhere. */
export interface StoredSpan extends Omit<AuthorSpan, 'editedAt' | 'text'> {
  text: string;
}

/** `.inkling/authorship/<document>.json`. */
export interface StoredAuthorship {
  v: 1;
  document: string;
  /** Earlier names of the document (renames), whose provenance records are its own. */
  formerNames: string[];
  spans: StoredSpan[];
}

export interface Share {
  /** Characters of the document. */
  total: number;
  /** Characters Inkling wrote that stand as written. */
  asWritten: number;
  /** Characters in Inkling's passages that the writer has since edited. */
  edited: number;
}

/**
 * The Inkling-written ranges of one document (offsets as the editor counts them), sorted and
 * never overlapping.
 */
export class Authorship {
  spans: AuthorSpan[] = [];
  formerNames: string[] = [];
  /**
   * Edits that removed whole spans, newest last, with those spans relative to the edit's offset:
   * an undo or redo is the exact inverse of one of them, and gives its spans back (an undone
   * Continue that is redone is Inkling's text again, not the writer's). Not stored; at most 32.
   */
  private removals: { offset: number; deleted: number; inserted: number; spans: AuthorSpan[] }[] = [];

  /** The document's line ending as last seen, to tell a change of line endings from an edit. */
  eol?: '\n' | '\r\n';

  /** Whether edits must be followed: there are spans, or an undo/redo could bring some back. */
  get following(): boolean {
    return this.spans.length > 0 || this.removals.length > 0;
  }

  /**
   * Inkling wrote `length` characters at `start` (right after making that edit, as document
   * `version`). A span the same edit cut short was cut by Inkling, not the writer: it is not
   * marked edited for that. A streamed insertion is many edits: `sinceVersion` is the version
   * before its first, and marks any of them left were Inkling's too.
   */
  add(start: number, length: number, meta: Pick<AuthorSpan, 'command' | 'model' | 'time' | 'text'>, version?: number, sinceVersion?: number): void {
    if (length <= 0) return;
    const end = start + length;
    const kept: AuthorSpan[] = [];
    const ours = (v: number | undefined) => v !== undefined && version !== undefined && (v === version || (sinceVersion !== undefined && v > sinceVersion && v <= version));
    for (const s of this.spans) {
      if (ours(s.editedAt)) {
        s.edited = false;
        delete s.editedAt;
      }
      if (s.end <= start || s.start >= end) kept.push(s);
      else {
        // An older span the new text lies in (Inkling writing inside its own text): the parts around it stay.
        if (s.start < start) kept.push({ ...s, end: start, text: s.text?.slice(0, start - s.start) });
        if (s.end > end) kept.push({ ...s, start: end, text: s.text?.slice(end - s.start) });
      }
    }
    const { text, ...rest } = meta;
    kept.push({ start, end, edited: false, ...rest, ...(text?.length === length ? { text } : {}) });
    this.spans = kept.sort((a, b) => a.start - b.start);
  }

  /**
   * Follows one edit (several of one change event in descending offset order), made as document
   * `version`; `reason` says the editor's undo or redo made it.
   */
  applyEdit(edit: TextEdit, version?: number, reason?: 'undo' | 'redo'): void {
    const editEnd = edit.offset + edit.deleted;
    const delta = edit.inserted.length - edit.deleted;
    let inverse = -1;
    for (let i = this.removals.length - 1; reason && i >= 0 && inverse < 0; i--) {
      const r = this.removals[i]!;
      const putsBack = r.offset === edit.offset && r.deleted === edit.inserted.length && r.inserted === edit.deleted;
      // The very characters: a same-sized undo elsewhere in the history must not credit the writer's words to Inkling.
      if (putsBack && r.spans.every((sp) => sp.text !== undefined && edit.inserted.slice(sp.start, sp.end) === sp.text)) inverse = i;
    }
    const restored = inverse >= 0 ? this.removals.splice(inverse, 1)[0]!.spans : [];
    this.removals = this.removals.flatMap((r) => (r.offset + r.inserted <= edit.offset ? [r] : editEnd <= r.offset ? [{ ...r, offset: r.offset + delta }] : []));
    const gone: AuthorSpan[] = [];
    const out: AuthorSpan[] = [];
    for (const s of this.spans) {
      if (editEnd <= s.start) {
        // Before the span (typing right before it too): it moves.
        out.push({ ...s, start: s.start + delta, end: s.end + delta });
        continue;
      }
      if (edit.offset >= s.end) {
        out.push(s);
        continue;
      }
      const before = Math.max(0, edit.offset - s.start);
      const after = Math.max(0, s.end - editEnd);
      if (before + after === 0) {
        // Deleted or replaced whole: kept aside in case the edit is undone.
        gone.push({ ...s, start: s.start - edit.offset, end: s.end - edit.offset });
        continue;
      }
      const mark = (x: AuthorSpan): AuthorSpan => (x.edited ? x : { ...x, edited: true, ...(version !== undefined ? { editedAt: version } : {}) });
      const t = s.text;
      if (before > 0 && after > 0) out.push(mark({ ...s, end: s.end + delta, text: t === undefined ? t : t.slice(0, before) + edit.inserted + t.slice(t.length - after) }));
      else if (before > 0) out.push(mark({ ...s, end: s.start + before, text: t?.slice(0, before) }));
      else out.push(mark({ ...s, start: edit.offset + edit.inserted.length, end: edit.offset + edit.inserted.length + after, text: t?.slice(t.length - after) }));
    }
    if (gone.length) this.removals = [...this.removals, { offset: edit.offset, deleted: edit.deleted, inserted: edit.inserted.length, spans: gone }].slice(-32);
    for (const r of restored) out.push({ ...r, start: r.start + edit.offset, end: r.end + edit.offset });
    this.spans = restored.length ? out.sort((a, b) => a.start - b.start) : out;
  }

  /**
   * The document's line endings changed (CRLF ⇄ LF), which the editor reports as one edit over the
   * whole text: every span keeps its characters instead, at the offsets of `text` (the document
   * now, with `eol`). An offset inside a CRLF pair goes to the end of its line.
   */
  changeEol(text: string, from: '\n' | '\r\n', eol: '\n' | '\r\n'): void {
    if (from === eol) return;
    const moved = remapLineEndings(this.spans.flatMap((s) => [s.start, s.end]), text, from, eol);
    this.spans = this.spans
      .map((s) => {
        const start = moved.get(s.start) ?? s.start;
        const end = moved.get(s.end) ?? s.end;
        if (s.text === undefined) return { ...s, start, end };
        // Other characters than its own in the same place (a reload that also changed words): edited.
        const now = text.slice(start, end);
        // Its own characters in the new line endings (an end inside a CRLF pair, after its CR, moved to the line's end).
        const converted = s.text.split(from).join(eol);
        const own = from === '\r\n' && converted.endsWith('\r') ? converted.slice(0, -1) : converted;
        return { ...s, start, end, text: now, edited: s.edited || now !== own };
      })
      .filter((s) => s.end > s.start);
    this.removals = [];
  }

  /** How much of a document of `total` characters Inkling wrote. */
  share(total: number): Share {
    let asWritten = 0;
    let edited = 0;
    for (const s of this.spans) {
      if (s.edited) edited += s.end - s.start;
      else asWritten += s.end - s.start;
    }
    return { total, asWritten: Math.min(asWritten, total), edited: Math.min(edited, total) };
  }

  /** The spans with their texts, to store. */
  toStored(document: string, text: string): StoredAuthorship {
    return { v: 1, document, formerNames: [...this.formerNames], spans: this.spans.map(({ editedAt: _e, text: _t, ...s }) => ({ ...s, text: text.slice(s.start, s.end) })) };
  }

  /**
   * Reads stored spans back against the document as it is now: each where its text still is at
   * its offset, or its nearest occurrence (the document was edited elsewhere); one whose text is
   * nowhere is dropped.
   */
  static restore(stored: unknown, text: string): Authorship {
    const a = new Authorship();
    const s = stored as Partial<StoredAuthorship> | null;
    if (!s || s.v !== 1 || !Array.isArray(s.spans)) return a;
    a.formerNames = Array.isArray(s.formerNames) ? s.formerNames.filter((n): n is string => typeof n === 'string') : [];
    const found: AuthorSpan[] = [];
    for (const raw of s.spans as unknown[]) {
      const span = raw as Partial<StoredSpan> | null;
      if (!span || typeof span.text !== 'string' || !span.text || typeof span.start !== 'number' || typeof span.command !== 'string') continue;
      const at = nearest(text, span.text, span.start);
      if (at < 0) continue;
      found.push({ start: at, end: at + span.text.length, edited: span.edited === true, command: span.command, model: typeof span.model === 'string' ? span.model : 'unknown', time: typeof span.time === 'string' ? span.time : '', text: span.text });
    }
    // Sorted once, overlaps dropped in one pass (the earlier-stored span wins a tie): a file of
    // thousands of spans must not stall the document's opening.
    const order = found.map((span, i) => ({ span, i })).sort((x, y) => x.span.start - y.span.start || x.i - y.i);
    for (const { span } of order) if (!a.spans.length || a.spans[a.spans.length - 1]!.end <= span.start) a.spans.push(span);
    return a;
  }

  /**
   * Builds the spans from a document's provenance records (oldest first) when nothing else is
   * stored: each record's text where it still stands (nearest its recorded line), as written.
   * `offsetOf` turns a recorded line and character into an offset of `text`.
   */
  static fromRecords(records: readonly ProvenanceRecord[], text: string, offsetOf: (line: number, character: number) => number, eol: '\n' | '\r\n' = '\n'): Authorship {
    const a = new Authorship();
    for (const r of [...records].sort((x, y) => x.time.localeCompare(y.time))) {
      const t = eol === '\n' ? r.text : r.text.replace(/\n/g, eol);
      if (!t.trim()) continue;
      const at = nearest(text, t, offsetOf(r.range.start.line, r.range.start.character));
      if (at >= 0) a.add(at, t.length, { command: r.command, model: r.model, time: r.time, text: t });
    }
    return a;
  }

}

/** The occurrence of `needle` in `text` nearest `near`, or -1. */
export function nearest(text: string, needle: string, near: number): number {
  if (text.startsWith(needle, near)) return near;
  let best = -1;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (best < 0 || Math.abs(i - near) < Math.abs(best - near)) best = i;
    if (i > near) break;
  }
  return best;
}

/** A share as writers read it: "34 %" (or "<1 %" for a little). */
export function sharePercent(part: number, total: number): string {
  if (total <= 0 || part <= 0) return '0 %';
  const p = (part / total) * 100;
  return p < 1 ? '<1 %' : `${Math.round(p)} %`;
}

/** One line for the status bar's hover. */
export function shareLine(share: Share): string {
  const all = share.asWritten + share.edited;
  if (!all) return msg('Inkling has written none of this document (that it knows of).');
  return msg('Inkling wrote {0} of this document: {1} as written, {2} since edited by you.', sharePercent(all, share.total), sharePercent(share.asWritten, share.total), sharePercent(share.edited, share.total));
}

export interface DisclosureInput {
  document: string;
  /** The document's text now. */
  text: string;
  authorship: Authorship;
  /** The provenance records of the document (and of its former names), if the log is kept. */
  records: readonly ProvenanceRecord[];
  /** When the disclosure is made. */
  now: Date;
}

const COMMAND_NAMES: Record<WritingCommand, string> = {
  continue: 'Continue',
  alternative: 'Show Alternatives',
  regenerate: 'Regenerate',
  expandOutline: 'Expand Outline',
  wordChoice: 'a chosen word rewritten',
  ghostText: 'ghost text',
  branch: 'a branch switched back',
};

/** The Markdown disclosure of a document: the model(s), the dates, the share and the ranges. */
export function disclosureMarkdown(input: DisclosureInput): string {
  const { authorship, text } = input;
  const share = authorship.share(text.length);
  const spans = authorship.spans;
  const models = [...new Set([...spans.map((s) => s.model), ...input.records.map((r) => r.model)].filter((m) => m && m !== 'unknown'))];
  const times = [...spans.map((s) => s.time), ...input.records.map((r) => r.time)].filter(Boolean).sort();
  const day = (iso: string) => iso.slice(0, 10);
  const dates = times.length ? (day(times[0]!) === day(times.at(-1)!) ? day(times[0]!) : `${day(times[0]!)} to ${day(times.at(-1)!)}`) : 'unknown';
  const counts = new Map<string, number>();
  for (const s of spans) counts.set(COMMAND_NAMES[s.command] ?? s.command, (counts.get(COMMAND_NAMES[s.command] ?? s.command) ?? 0) + 1);
  // Line numbers by one walk through the text (the spans are sorted): a manuscript of megabytes
  // with hundreds of passages must not be split once per passage.
  let counted = 0;
  let line = 1;
  const lineOf = (offset: number) => {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = Math.max(counted, offset);
    return line;
  };
  const out: string[] = [];
  out.push(`# AI writing disclosure: ${input.document}`, '');
  out.push('Parts of this text were written with Inkling, a writing assistant that runs a language model, and then chosen, kept or edited by the author.', '');
  out.push(`- **Share written by the model:** ${sharePercent(share.asWritten + share.edited, share.total)} of ${share.total.toLocaleString('en')} characters — ${sharePercent(share.asWritten, share.total)} as the model wrote it, ${sharePercent(share.edited, share.total)} since edited by the author.`);
  out.push(`- **Model${models.length === 1 ? '' : 's'}:** ${models.length ? models.join(', ') : 'unknown'}`);
  out.push(`- **Dates:** ${dates}`);
  out.push(`- **How:** ${spans.length ? [...counts].map(([c, n]) => `${c} ×${n}`).join(', ') : 'no passage of the model\'s remains in the text'}`);
  if (spans.length) {
    out.push('', '## Passages', '', '| lines | written | how | model | now |', '|---|---|---|---|---|');
    for (const s of spans) {
      const a = lineOf(s.start);
      const b = lineOf(Math.max(s.start, s.end - 1));
      out.push(`| ${a === b ? a : `${a}–${b}`} | ${s.time ? s.time.slice(0, 16).replace('T', ' ') : 'unknown'} | ${COMMAND_NAMES[s.command] ?? s.command} | ${s.model} | ${s.edited ? 'edited by the author' : 'as written'} |`);
    }
  }
  out.push('', `*Made by Inkling on ${day(input.now.toISOString())}${input.records.length ? ' from its provenance log (`.inkling/provenance.jsonl`)' : ''}.*`, '');
  return out.join('\n');
}
