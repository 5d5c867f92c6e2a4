import type { FormConstraint } from '../../common/generation';
import type { SamplingSettings } from '../settings/samplingSettings';

/** The command that wrote a text. */
export type WritingCommand = 'continue' | 'alternative' | 'regenerate' | 'expandOutline' | 'wordChoice' | 'ghostText' | 'branch';

/** A 0-based line and character, as editors count them. */
export interface LinePosition {
  line: number;
  character: number;
}

/** One line of `.inkling/provenance.jsonl`: a text Inkling wrote into a document. */
export interface ProvenanceRecord {
  /** Format version of this record. */
  v: 1;
  /** When it was inserted, ISO 8601 in UTC. */
  time: string;
  /** The document, relative to the workspace folder, with `/` separators. */
  document: string;
  command: WritingCommand;
  /** Where the text lies in the document right after the insertion. */
  range: { start: LinePosition; end: LinePosition };
  text: string;
  model: string;
  seed: number;
  /** False when the writer stopped it or edited the document while it was being written. */
  complete: boolean;
  settings: {
    sampling: SamplingSettings;
    maxNewTokens: number;
    stopStrings: string[];
    lines: number;
    kind: 'verse' | 'prose';
    /** The form constraint the engine decoded with (verse with form-keeping on). */
    form?: FormConstraint;
  };
  /** Regenerate: the text this one replaced. */
  replaced?: string;
}

export interface ProvenanceInput extends Omit<ProvenanceRecord, 'v' | 'time' | 'range' | 'document'> {
  time: Date;
  /** The document's path relative to its workspace folder (any separator). */
  document: string;
  /** Where the inserted text starts; its end is computed from the text (with `\n` line breaks). */
  start: LinePosition;
}

/** Builds the record of one insertion. */
export function provenanceRecord(input: ProvenanceInput): ProvenanceRecord {
  const start = { line: input.start.line, character: input.start.character };
  const text = input.text.replace(/\r\n?/g, '\n');
  const record: ProvenanceRecord = {
    v: 1,
    time: input.time.toISOString(),
    document: input.document.replace(/\\/g, '/'),
    command: input.command,
    range: { start, end: positionAfter(start, text) },
    text,
    model: input.model,
    seed: input.seed,
    complete: input.complete,
    settings: input.settings,
  };
  if (input.replaced !== undefined) record.replaced = input.replaced.replace(/\r\n?/g, '\n');
  return record;
}

/** The record as one JSON line. */
export function provenanceLine(record: ProvenanceRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Reads a provenance file back, skipping lines that are not records (a line cut short by a crash). */
export function parseProvenance(jsonl: string): ProvenanceRecord[] {
  const records: ProvenanceRecord[] = [];
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ProvenanceRecord;
      if (r && r.v === 1 && typeof r.text === 'string' && typeof r.document === 'string') records.push(r);
    } catch {
      // A partial last line is not a record.
    }
  }
  return records;
}

function positionAfter(start: LinePosition, text: string): LinePosition {
  const lines = text.split('\n');
  if (lines.length === 1) return { line: start.line, character: start.character + text.length };
  return { line: start.line + lines.length - 1, character: lines[lines.length - 1]!.length };
}
