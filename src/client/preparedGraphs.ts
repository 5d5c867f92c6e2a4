/**
 * Copy-free graphs for model folders Inkling does not own — a folder the writer chose, whose files
 * are theirs: the install-time rewrite (engine/graph/copyFreeRewrite.ts) of the folder's
 * transformers.js graph, kept in Inkling's storage instead of the folder. Keyed by the folder,
 * the precision and the source file's size and modification time, so a model updated in place is
 * prepared again; the outcome (prepared, or why not) is remembered so a graph that does not fit
 * is not read again. At most `keep` graphs stay (the least recently prepared go first).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { addCopyFreeGraph, type CopyFreeRecord } from '../engine/graph/copyFreeRewrite';
import { COPY_FREE_FILE_FOR_DTYPE, ONNX_FILE_FOR_DTYPE, onnxFileFor } from '../engine/model/modelFolder';
import type { ModelDtype } from '../engine/protocol';

const OUTCOME = 'outcome.json';

interface Outcome {
  dir: string;
  dtype: ModelDtype;
  record: CopyFreeRecord;
  at: string;
}

export class PreparedGraphs {
  constructor(
    readonly root: string,
    private readonly keep = 3,
  ) {}

  /**
   * Whether `dir` would run its transformers.js graph for `dtype` and a prepared copy could help:
   * false for folders with a fast graph of their own (Inkling's model, installed models).
   */
  wanted(dir: string, dtype: ModelDtype): boolean {
    const file = safe(() => onnxFileFor(dir, dtype));
    return !!file && file === ONNX_FILE_FOR_DTYPE[dtype] && COPY_FREE_FILE_FOR_DTYPE[dtype] !== undefined;
  }

  /** The prepared graph for the folder's current weights, or null. */
  find(dir: string, dtype: ModelDtype): string | null {
    const key = this.keyFor(dir, dtype);
    const outcome = key ? this.read(key) : null;
    return key && outcome ? this.graphOf(key, outcome) : null;
  }

  /**
   * Whether preparing the folder's current weights needs no (further) try: a graph is there, or
   * its graph does not fit. A graph that was prepared and has since gone is tried again.
   */
  settled(dir: string, dtype: ModelDtype): boolean {
    const key = this.keyFor(dir, dtype);
    const outcome = key ? this.read(key) : null;
    return !!key && !!outcome && ('skipped' in outcome.record || this.graphOf(key, outcome) !== null);
  }

  /** The graph an outcome names, if it is still there: resolved under this storage folder whatever path was written (the storage may have moved). */
  private graphOf(key: string, outcome: Outcome): string | null {
    if (!('file' in outcome.record)) return null;
    const file = join(this.root, key, basename(outcome.record.file));
    return existsSync(file) ? file : null;
  }

  /** What preparing the folder's current weights came to, or null if it was not tried (or the note is unreadable). */
  outcome(dir: string, dtype: ModelDtype): Outcome | null {
    const key = this.keyFor(dir, dtype);
    return key ? this.read(key) : null;
  }

  /**
   * Prepares the folder's graph (once per version of its weights) and says what came of it. Only a
   * graph that does not fit is noted as such; a failure to read or write (a full or read-only disk)
   * throws and is not remembered, so a later session tries again.
   */
  async prepare(dir: string, dtype: ModelDtype, onProgress?: (done: number, total: number) => void): Promise<CopyFreeRecord> {
    const key = this.keyFor(dir, dtype);
    if (!key) return { skipped: `${dir} has no onnx/${ONNX_FILE_FOR_DTYPE[dtype]}` };
    const into = join(this.root, key);
    mkdirSync(into, { recursive: true });
    const record = await addCopyFreeGraph(dir, dtype, onProgress, into);
    const outcome: Outcome = { dir, dtype, record, at: new Date().toISOString() };
    // Another window may read it meanwhile: whole or not at all.
    const note = join(into, `${OUTCOME}.${process.pid}.tmp`);
    writeFileSync(note, `${JSON.stringify(outcome, null, 2)}\n`);
    renameSync(note, join(into, OUTCOME));
    if ('file' in record) this.evict(key);
    return record;
  }

  private read(key: string): Outcome | null {
    const outcome = safe(() => JSON.parse(readFileSync(join(this.root, key, OUTCOME), 'utf8')) as unknown) as Partial<Outcome> | null;
    const record = outcome?.record as Record<string, unknown> | undefined;
    const valid = !!record && typeof record === 'object' && (typeof record.file === 'string' || typeof record.skipped === 'string');
    return valid ? (outcome as Outcome) : null;
  }

  private keyFor(dir: string, dtype: ModelDtype): string | null {
    return safe(() => {
      const source = statSync(join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype]));
      const id = `${realpathSync(dir)}\n${dtype}\n${source.size}\n${Math.round(source.mtimeMs)}`;
      return createHash('sha256').update(id).digest('hex').slice(0, 24);
    });
  }

  /**
   * Keeps the `keep` most recently prepared graphs (and every small "does not fit" note). Another
   * window may be evicting too: whatever it removed first is skipped. A worker that has a removed
   * graph open keeps running it (it was read at load).
   */
  private evict(current: string): void {
    const held = (safe(() => readdirSync(this.root)) ?? [])
      .filter((k) => k !== current && (safe(() => readdirSync(join(this.root, k))) ?? []).some((f) => f.endsWith('.onnx')))
      .map((k) => ({ k, at: safe(() => statSync(join(this.root, k)).mtimeMs) ?? 0 }))
      .sort((a, b) => b.at - a.at);
    for (const { k } of held.slice(Math.max(0, this.keep - 1))) safe(() => rmSync(join(this.root, k), { recursive: true, force: true }));
  }
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
