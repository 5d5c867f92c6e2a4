/**
 * Gives glibc's free heap pages back to the system (native/trim.c, built by scripts/build.mjs
 * beside the worker bundle where it can be: Linux with glibc, a C compiler and Node's headers).
 *
 * Why: with ONNX Runtime's arena off, its activations come and go through malloc. glibc returns
 * freed memory only from the top of its heap, so one block left there pins every free page below
 * it: on the 135M-shaped 8-bit graph (bound 345 MB), about two workers in five rose 40–65 MB,
 * mostly during a Continue, and some stayed there, with the JS heap and ArrayBuffers level. Called
 * between requests, malloc_trim(0) kept the worker inside the bound after every request in six
 * runs of six. Called inside a long request as well (every quarter second), it lowered the peaks
 * while working, but four of six later runs still rose past the bound inside a request; what closed
 * that was the key/value buffers growing in place (kvCache.ts) (README, "memory").
 *
 * Absent (another platform, no compiler at build time, a load that fails): `trimHeap` does nothing.
 */
import { join } from 'node:path';

type Trim = () => boolean;

let loaded: Trim | null | undefined;

/** The helper's trim in `dir` (the folder a worker bundle runs from), or null where there is none. */
export function loadTrimFrom(dir: string): Trim | null {
  try {
    const mod = require(join(dir, 'native', `${process.platform}-${process.arch}`, 'trim.node')) as { trim?: unknown };
    return typeof mod.trim === 'function' ? (mod.trim as Trim) : null;
  } catch {
    // Not built for this platform, or not loadable here: the worker runs as it did without it.
    return null;
  }
}

/** The worker's helper (beside its bundle), looked for once. */
export function loadTrim(): Trim | null {
  if (loaded === undefined) loaded = loadTrimFrom(__dirname);
  return loaded;
}

/** Hands free heap pages back where the helper is present; true when it released any. */
export function trimHeap(): boolean {
  const trim = loadTrim();
  return trim ? trim() : false;
}
