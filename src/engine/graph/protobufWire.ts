/**
 * Just enough of the protobuf wire format to read an ONNX file's graph and write an edited copy
 * without decoding its weights: fields are located by byte ranges, so a 500 MB model is walked
 * with a few thousand small reads and copied range by range. (A full decoder such as protobufjs
 * would materialise every initializer and needs the schema vendored; the rewrite touches only
 * names, nodes and outputs.)
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface WireField {
  field: number;
  wire: number;
  /** Offset of the field's tag. */
  start: number;
  /** Offset of the payload (after the length prefix for length-delimited fields). */
  body: number;
  /** Offset just past the field. */
  end: number;
  /** The value of a varint field. */
  varint?: bigint;
}

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Random access to bytes: a Buffer, or a file read in blocks. */
export interface ByteSource {
  readonly size: number;
  bytes(start: number, end: number): Buffer;
}

export class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  bytes(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }
}

/** A file read through a 1 MB window; call close() when done. */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  private window = Buffer.alloc(0);
  private windowStart = 0;
  private static readonly BLOCK = 1 << 20;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  bytes(start: number, end: number): Buffer {
    if (start < 0 || end > this.size || end < start) throw new WireError(`read past the end of the file (${start}–${end} of ${this.size})`);
    if (start >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    const length = Math.min(this.size - start, Math.max(end - start, FileSource.BLOCK));
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, start + got);
      if (n === 0) throw new WireError('the file ended early');
      got += n;
    }
    this.window = buf;
    this.windowStart = start;
    return buf.subarray(0, end - start);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readVarint(src: ByteSource, pos: number, limit: number): { value: bigint; next: number } {
  const head = src.bytes(pos, Math.min(limit, pos + 10));
  let value = 0n;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  throw new WireError(`a malformed varint at byte ${pos}`);
}

/** The fields between `start` and `end` (a message's payload), in file order. */
export function* fields(src: ByteSource, start = 0, end = src.size): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(src, pos, end);
    const field = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (field === 0) throw new WireError(`field number 0 at byte ${pos}`);
    switch (wire) {
      case WIRE_VARINT: {
        const v = readVarint(src, tag.next, end);
        yield { field, wire, start: pos, body: tag.next, end: v.next, varint: v.value };
        pos = v.next;
        break;
      }
      case WIRE_FIXED64:
        yield { field, wire, start: pos, body: tag.next, end: tag.next + 8 };
        pos = tag.next + 8;
        break;
      case WIRE_FIXED32:
        yield { field, wire, start: pos, body: tag.next, end: tag.next + 4 };
        pos = tag.next + 4;
        break;
      case WIRE_BYTES: {
        const len = readVarint(src, tag.next, end);
        const stop = len.next + Number(len.value);
        yield { field, wire, start: pos, body: len.next, end: stop };
        pos = stop;
        break;
      }
      default:
        throw new WireError(`wire type ${wire} at byte ${pos} (not a protobuf message this reader knows)`);
    }
    if (pos > end) throw new WireError(`a field runs past its message (byte ${pos} > ${end})`);
  }
}

/** A varint field's value as a signed 64-bit number (ONNX stores negative axes that way). */
export function int64(f: WireField): number {
  return Number(BigInt.asIntN(64, f.varint ?? 0n));
}

export function text(src: ByteSource, f: WireField): string {
  return src.bytes(f.body, f.end).toString('utf8');
}

/** Packed or unpacked repeated varints: appends to `into`. */
export function varints(src: ByteSource, f: WireField, into: number[]): void {
  if (f.wire === WIRE_VARINT) {
    into.push(int64(f));
    return;
  }
  for (let pos = f.body; pos < f.end; ) {
    const v = readVarint(src, pos, f.end);
    into.push(Number(BigInt.asIntN(64, v.value)));
    pos = v.next;
  }
}

// ---- writing ----

export function encodeVarint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

export function varintField(field: number, value: number | bigint): Buffer {
  return Buffer.concat([encodeVarint((field << 3) | WIRE_VARINT), encodeVarint(value)]);
}

export function bytesField(field: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([encodeVarint((field << 3) | WIRE_BYTES), encodeVarint(body.length), body]);
}

/** The tag and length prefix of a length-delimited field whose payload is written separately. */
export function bytesHeader(field: number, length: number): Buffer {
  return Buffer.concat([encodeVarint((field << 3) | WIRE_BYTES), encodeVarint(length)]);
}
