/**
 * The embedding table kept outside the graph. A tied model's table is both the embedding (one
 * row per token read) and the LM head (all of it, every step); inside the graph ONNX Runtime
 * keeps it twice — the head's pre-packed copy and the original for the lookup (28 MB each for a
 * 49K × 576 int8 table). A graph that takes `inputs_embeds` instead of looking rows up gets them
 * from `<graph>.embeddings` beside it, read a row at a time from the file: the head's packed copy
 * is then the table's only copy in memory, and the rows a prompt needs cost one read each.
 *
 * The file: a 32-byte header (`INKEMB01`, then little-endian uint32 rows, width, and the element
 * type: 1 int8 with a float32 scale per row after the table, 2 float32), then the rows.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const EMBEDDINGS_SUFFIX = '.embeddings';
/** The graph input that takes the rows in place of a lookup. */
export const EMBEDDINGS_INPUT = 'inputs_embeds';
const MAGIC = 'INKEMB01';
const HEADER = 32;
export const EMBED_INT8 = 1;
export const EMBED_FLOAT32 = 2;

export class EmbeddingRows {
  /** One row as read, and the same bytes seen as int8 or float32 (the buffer is its own, at offset 0). */
  private readonly row: Buffer;
  private readonly int8: Int8Array;
  private readonly float32: Float32Array;

  private constructor(
    private fd: number | null,
    readonly rows: number,
    readonly width: number,
    type: number,
    /** int8 rows: each row's scale (4 bytes a token, kept in memory). */
    private readonly scales: Float32Array | null,
  ) {
    this.row = Buffer.alloc(type === EMBED_INT8 ? width : width * 4);
    this.int8 = new Int8Array(this.row.buffer, this.row.byteOffset, this.row.length);
    this.float32 = new Float32Array(this.row.buffer, this.row.byteOffset, Math.floor(this.row.length / 4));
  }

  /** Opens `file`, checked against the model's shape; throws with the reason when it does not fit. */
  static open(file: string, width: number): EmbeddingRows {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(HEADER);
      readSync(fd, head, 0, HEADER, 0);
      if (head.toString('latin1', 0, 8) !== MAGIC) throw new Error('not an Inkling embeddings file');
      const rows = head.readUInt32LE(8);
      const cols = head.readUInt32LE(12);
      const type = head.readUInt32LE(16);
      if (cols !== width) throw new Error(`its rows are ${cols} wide, the graph wants ${width}`);
      if (type !== EMBED_INT8 && type !== EMBED_FLOAT32) throw new Error(`unknown element type ${type}`);
      const size = HEADER + (type === EMBED_INT8 ? rows * cols + rows * 4 : rows * cols * 4);
      if (fstatSync(fd).size !== size) throw new Error(`it holds ${fstatSync(fd).size} bytes, not ${size}`);
      let scales: Float32Array | null = null;
      if (type === EMBED_INT8) {
        const bytes = Buffer.alloc(rows * 4);
        readAll(fd, bytes, HEADER + rows * cols);
        scales = new Float32Array(rows);
        for (let i = 0; i < rows; i++) scales[i] = bytes.readFloatLE(i * 4);
      }
      return new EmbeddingRows(fd, rows, cols, type, scales);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * The embeddings of `ids`, one row after another (batch × sequence × width). No row is kept:
   * a read from the page cache costs a microsecond or two, a decode step milliseconds, and a
   * cache of a writer's few thousand tokens would hold back a third of what the file saves.
   */
  lookup(ids: ArrayLike<number>): Float32Array {
    if (this.fd === null) throw new Error('the embeddings file is closed');
    const out = new Float32Array(ids.length * this.width);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.rows) throw new RangeError(`token ${id} is outside the embedding table (${this.rows} rows)`);
      const at = i * this.width;
      if (this.scales) {
        readAll(this.fd, this.row, HEADER + id * this.width);
        const s = this.scales[id]!;
        for (let j = 0; j < this.width; j++) out[at + j] = this.int8[j]! * s;
      } else {
        readAll(this.fd, this.row, HEADER + id * this.width * 4);
        out.set(this.float32, at);
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function readAll(fd: number, into: Buffer, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('the embeddings file ended early');
    done += n;
  }
}

/** The file's header for a table of `rows` × `width` of element `type`. */
export function embeddingsHeader(rows: number, width: number, type: number): Buffer {
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(rows, 8);
  head.writeUInt32LE(width, 12);
  head.writeUInt32LE(type, 16);
  return head;
}
