/**
 * Copy-free graphs for model folders Inkling does not own — a folder the writer chose, whose files
 * are theirs: the install-time rewrite (engine/graph/copyFreeRewrite.ts) of the folder's
 * transformers.js graph, kept in Inkling's storage instead of the folder. Keyed by the folder,
 * the precision and the source file's size and modification time, so a model updated in place is
 * prepared again; the outcome (prepared, or why not) is remembered so a graph that does not fit
 * is not read again. At most `keep` graphs stay (the least recently prepared go first).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addCopyFreeGraph, type CopyFreeRecord } from '../engine/graph/copyFreeRewrite';
import { COPY_FREE_FILE_FOR_DTYPE, ONNX_FILE_FOR_DTYPE, onnxFileFor } from '../engine/modelFolder';
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
    const outcome = this.outcome(dir, dtype);
    return outcome && 'file' in outcome.record && existsSync(outcome.record.file) ? outcome.record.file : null;
  }

  /** What preparing the folder's current weights came to (prepared, or why not), or null if it was not tried. */
  outcome(dir: string, dtype: ModelDtype): Outcome | null {
    const key = this.keyFor(dir, dtype);
    if (!key) return null;
    try {
      return JSON.parse(readFileSync(join(this.root, key, OUTCOME), 'utf8')) as Outcome;
    } catch {
      return null;
    }
  }

  /** Prepares the folder's graph (once per version of its weights) and says what came of it. */
  async prepare(dir: string, dtype: ModelDtype, onProgress?: (done: number, total: number) => void): Promise<CopyFreeRecord> {
    const key = this.keyFor(dir, dtype);
    if (!key) return { skipped: `${dir} has no onnx/${ONNX_FILE_FOR_DTYPE[dtype]}` };
    const into = join(this.root, key);
    mkdirSync(into, { recursive: true });
    let record: CopyFreeRecord;
    try {
      record = await addCopyFreeGraph(dir, dtype, onProgress, into);
    } catch (e) {
      record = { skipped: `the rewrite failed: ${(e as Error).message}` };
    }
    const outcome: Outcome = { dir, dtype, record, at: new Date().toISOString() };
    writeFileSync(join(into, OUTCOME), `${JSON.stringify(outcome, null, 2)}\n`);
    this.evict(key);
    return record;
  }

  private keyFor(dir: string, dtype: ModelDtype): string | null {
    return safe(() => {
      const source = statSync(join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype]));
      const id = `${realpathSync(dir)}\n${dtype}\n${source.size}\n${Math.round(source.mtimeMs)}`;
      return createHash('sha256').update(id).digest('hex').slice(0, 24);
    });
  }

  /** Keeps the `keep` most recent outcomes that hold a graph (and every small "skipped" note). */
  private evict(current: string): void {
    const graphs = safe(() => readdirSync(this.root)) ?? [];
    const held = graphs
      .filter((k) => k !== current && readdirSync(join(this.root, k)).some((f) => f.endsWith('.onnx')))
      .map((k) => ({ k, at: statSync(join(this.root, k)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { k } of held.slice(Math.max(0, this.keep - 1))) rmSync(join(this.root, k), { recursive: true, force: true });
  }
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
