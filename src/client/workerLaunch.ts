/**
 * How the worker process is started: its environment and its V8 flags, both chosen for the
 * memory it will hold (measured with bench/workerMemoryBench.ts). Node-only, no vscode.
 */
import { statSync } from 'node:fs';
import { checkModelFolder } from '../engine/modelFolder';
import type { ModelSpec } from '../engine/protocol';

/**
 * The worker's environment: the host's, the caller's extra variables, and a fixed malloc mmap
 * threshold of 256 KB. glibc otherwise raises its threshold to the largest block freed so far (up
 * to 32 MB), so once ONNX Runtime has freed the initializers it prepacks, blocks of that size come
 * from the heap and the holes they leave are never given back: measured with
 * `bench/workerMemoryBench.ts --env`, the worker stayed 44–66 MB smaller on the 135M-shaped 4-bit
 * model after 40–80 requests, 112–124 MB on its 8-bit graph, 7–12 MB on Inkling's own model, at
 * no measured cost in time (at 64 KB it was ~20 % slower: vocabulary-sized arrays are then mapped
 * and unmapped every token); loading the 4-bit model took 1.50 → 1.93 s. A value the writer set
 * stays. Measured under Node (the CLI, code-server); other C libraries ignore the variable, and
 * desktop VS Code runs the worker in Electron, whose own allocator may not read it.
 */
export function workerEnvironment(host: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: String(256 * 1024), ...host, ...extra, ELECTRON_RUN_AS_NODE: '1' };
}

/** Graphs at least this large get a worker with a small young generation (`workerFlagsFor`). */
export const LARGE_GRAPH_BYTES = 32 * 1024 * 1024;

/**
 * V8 flags for a worker that will run a graph of `graphBytes`: a 4 MB young generation (Node's
 * default is 16) for a large model, none for a small one. Measured under Node with
 * `bench/workerMemoryBench.ts --flags=--max-semi-space-size=4`, 60 requests alternating: the
 * 135M-shaped model 351 → 325 MB (4-bit) and 403 → 369 MB (8-bit) at the same latency (162 / 164,
 * 227 / 227 ms), where its steps are spent in ONNX Runtime; Inkling's own 3.6 MB graph spends its
 * ~0.5 ms steps in JavaScript as much as in ONNX Runtime, and ran 7 % slower (more scavenges) for
 * at most 7 MB, so it keeps Node's default.
 */
export function workerFlagsFor(graphBytes: number): string[] {
  return graphBytes >= LARGE_GRAPH_BYTES ? ['--max-semi-space-size=4'] : [];
}

/** The flags a worker started for `spec` gets: `workerFlagsFor` the graph the worker will open for it. */
export function workerFlagsForModel(spec: ModelSpec | null): string[] {
  return workerFlagsFor(graphBytesOf(spec));
}

/** The size of the graph a spec will run, found as the worker finds it (0 when the folder is not usable: the worker reports why). */
function graphBytesOf(spec: ModelSpec | null): number {
  if (!spec) return 0;
  try {
    return statSync(checkModelFolder(spec.dir, spec.dtype, spec.layout, spec.graph).onnxPath).size;
  } catch {
    return 0;
  }
}
