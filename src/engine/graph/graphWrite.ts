/**
 * Writing an edited ONNX model without decoding its weights: the output is a list of pieces,
 * each either new bytes or a byte range of the original file, written in order. Shared by the
 * install-time rewrites (copyFreeRewrite.ts, embeddingsOut.ts).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { OnnxValue } from './onnxGraph';
import { bytesField, fields, text, varintField, type ByteSource } from './protobufWire';

export type Piece = Buffer | { start: number; end: number };

/** A node's bytes with every `field` (1 inputs, 2 outputs) equal to `from` renamed to `to`. */
export function renameIn(src: ByteSource, start: number, end: number, field: number, from: string, to: string): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields(src, start, end)) {
    parts.push(f.field === field && text(src, f) === from ? bytesField(field, to) : Buffer.from(src.bytes(f.start, f.end)));
  }
  return Buffer.concat(parts);
}

export function node(opType: string, inputs: string[], outputs: string[], ints: Record<string, number>, name: string): Buffer {
  const attributes = Object.entries(ints).map(([key, value]) => bytesField(5, Buffer.concat([bytesField(1, key), varintField(3, value), varintField(20, 2 /* INT */)])));
  return Buffer.concat([...inputs.map((x) => bytesField(1, x)), ...outputs.map((x) => bytesField(2, x)), bytesField(3, name), bytesField(4, opType), ...attributes]);
}

export function valueInfo(name: string, elemType: number, shape?: OnnxValue['shape']): Buffer {
  const dims = (shape ?? []).map((d) => bytesField(1, d === null ? Buffer.alloc(0) : typeof d === 'number' ? varintField(1, d) : bytesField(2, d)));
  const tensor = Buffer.concat([varintField(1, elemType), ...(shape ? [bytesField(2, Buffer.concat(dims))] : [])]);
  return Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, tensor))]);
}

export function pieceLength(p: Piece): number {
  return Buffer.isBuffer(p) ? p.length : p.end - p.start;
}

export async function writePieces(source: ByteSource, pieces: Piece[], file: string, onProgress?: (done: number, total: number) => void): Promise<number> {
  const total = pieces.reduce((s, p) => s + pieceLength(p), 0);
  const handle = await open(file, 'w');
  let done = 0;
  let reported = 0;
  try {
    for (const p of pieces) {
      if (Buffer.isBuffer(p)) {
        await writeAll(handle, p);
        done += p.length;
      } else {
        for (let at = p.start; at < p.end; ) {
          const stop = Math.min(p.end, at + (8 << 20));
          await writeAll(handle, source.bytes(at, stop));
          done += stop - at;
          at = stop;
          if (done - reported > 16 << 20) {
            reported = done;
            onProgress?.(done, total);
          }
        }
      }
    }
    onProgress?.(done, total);
    // On disk before the rename makes it the graph the worker prefers.
    await handle.sync();
  } finally {
    await handle.close();
  }
  return total;
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; ) at += (await handle.write(data, at, data.length - at)).bytesWritten;
}
