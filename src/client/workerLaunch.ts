/**
 * How the worker process is started: its environment and its V8 flags, both chosen for the
 * memory it will hold (measured with bench/workerMemoryBench.ts). Node-only, no vscode.
 */

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

/**
 * The worker's V8 flags: a 4 MB young generation (Node's default is 16), for every model, and
 * `--expose-gc`, so that the worker can collect, once idle, the garbage a load and its first
 * request leave, and dead key/value caches (engine/idleCollection.ts): measured with
 * `bench/workerMemoryBench.ts --flags=--max-semi-space-size=4` on the 135M-shaped graphs an
 * install writes (embeddings outside), 100 ghost requests, two runs: 45–48 MB less resident after
 * loading (4-bit 257 → 209–212 MB, 8-bit 305 → 260 MB), and no longer the 40–55 MB plateau V8 kept
 * over the first requests in some runs (largest sample over every request, 4-bit: 314 → 280 MB in
 * one run, 275 / 279 in the other); later requests alike (p50 277 / 270 and 266 / 266 MB); each
 * collection pauses the worker 6–20 ms. A 4 MB young generation was measured under Node with
 * `--flags=--max-semi-space-size=4`, the two workers alternating on ghost text's requests as the
 * editor sends them (form and rhyme on): Inkling's own model 161 → 138 MB after 150 requests
 * (twice; p50 9.6 / 9.4 and 9.9 / 10.1 ms), 131 → 125 MB on plain requests (7.6 / 7.8 and 8.3 /
 * 7.9 ms); the 135M-shaped model 351 → 325 MB (4-bit) and 403 → 369 MB (8-bit) at the same
 * latency. (Before its form data shipped as texts and its prompts were encoded by line, Inkling's
 * own model ran 7 % slower with it and kept Node's default.)
 */
export const WORKER_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--expose-gc'];
