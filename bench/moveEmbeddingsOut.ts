/**
 * Takes the embedding lookup out of graphs already on disk (src/engine/graph/embeddingsOut.ts):
 * each FILE is rewritten in place to take `inputs_embeds`, its table written to FILE.embeddings.
 * Models installed through Inkling get this at install; this is for graphs made by hand — the
 * bench model's copy-free graphs (bench/MAKE_BENCH_MODEL.md) and models/recipe/export_kvin.py's.
 *
 *   node scripts/build.mjs && node out/bench/moveEmbeddingsOut.js FILE.onnx… [--min-bytes N]
 */
import { parseArgs } from 'node:util';
import { moveEmbeddingsOut } from '../src/engine/graph/embeddingsOut';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'min-bytes': { type: 'string' } } });
(async () => {
  if (!positionals.length) throw new Error('usage: moveEmbeddingsOut FILE.onnx… [--min-bytes N]');
  for (const file of positionals) {
    const t = performance.now();
    const out = await moveEmbeddingsOut(file, values['min-bytes'] === undefined ? {} : { minBytes: Number(values['min-bytes']) });
    const ms = Math.round(performance.now() - t);
    process.stdout.write(out.ok ? `${file}: ${out.plan.rows} × ${out.plan.width} rows of ${out.plan.table} → ${out.file} (${ms} ms)\n` : `${file}: left alone (${out.reason})\n`);
  }
})().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
