/**
 * The embeddings file a graph without its lookup reads its rows from (src/engine/model/embeddingRows.ts):
 * int8 rows with a scale each and float32 rows, read back exactly; a file that does not fit the
 * graph, or is cut short, is refused with the reason; ids outside the table are refused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBED_FLOAT32, EMBED_INT8, EmbeddingRows, embeddingsHeader } from '../../../src/engine/model/embeddingRows';

const dir = mkdtempSync(join(tmpdir(), 'inkling-rows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function int8File(rows: number, width: number): { file: string; q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * width).map((_, i) => ((i * 37) % 255) - 127);
  const scales = new Float32Array(rows).map((_, i) => 0.01 * (i + 1));
  const file = join(dir, `int8-${rows}x${width}.embeddings`);
  writeFileSync(file, Buffer.concat([embeddingsHeader(rows, width, EMBED_INT8), Buffer.from(q.buffer), Buffer.from(scales.buffer)]));
  return { file, q, scales };
}

describe('EmbeddingRows', () => {
  test('int8 rows come back as the graph computed them: each value times its row scale, in float32', () => {
    const { file, q, scales } = int8File(50, 8);
    const rows = EmbeddingRows.open(file, 8);
    const ids = [3, 49, 0, 3];
    const got = rows.lookup(ids);
    assert.equal(got.length, ids.length * 8);
    ids.forEach((id, k) => {
      for (let j = 0; j < 8; j++) assert.equal(got[k * 8 + j], Math.fround(q[id * 8 + j]! * scales[id]!), `row ${id}, column ${j}`);
    });
    rows.close();
    assert.throws(() => rows.lookup([1]), /closed/);
  });

  test('float32 rows come back unchanged', () => {
    const table = new Float32Array(6 * 4).map((_, i) => Math.sin(i) * 3);
    const file = join(dir, 'f32.embeddings');
    writeFileSync(file, Buffer.concat([embeddingsHeader(6, 4, EMBED_FLOAT32), Buffer.from(table.buffer)]));
    const rows = EmbeddingRows.open(file, 4);
    assert.deepEqual([...rows.lookup([5, 2])], [...table.subarray(20, 24), ...table.subarray(8, 12)]);
    rows.close();
  });

  test('a file that does not fit is refused with the reason; so is a token outside the table', () => {
    const { file } = int8File(10, 4);
    assert.throws(() => EmbeddingRows.open(file, 5), /its rows are 4 wide, the graph wants 5/);
    const short = join(dir, 'short.embeddings');
    writeFileSync(short, Buffer.concat([embeddingsHeader(10, 4, EMBED_INT8), Buffer.alloc(10 * 4 + 10 * 4 - 1)]));
    assert.throws(() => EmbeddingRows.open(short, 4), /holds 111 bytes, not 112/);
    const other = join(dir, 'other.embeddings');
    writeFileSync(other, Buffer.concat([Buffer.from('GGUF\0\0\0\0'), Buffer.alloc(24)]));
    assert.throws(() => EmbeddingRows.open(other, 4), /not an Inkling embeddings file/);
    const typed = join(dir, 'typed.embeddings');
    writeFileSync(typed, embeddingsHeader(1, 1, 9));
    assert.throws(() => EmbeddingRows.open(typed, 1), /unknown element type 9/);
    const rows = EmbeddingRows.open(file, 4);
    assert.throws(() => rows.lookup([10]), RangeError);
    assert.throws(() => rows.lookup([-1]), RangeError);
    rows.close();
  });
});
