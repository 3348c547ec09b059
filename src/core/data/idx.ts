import { InputError } from '../errors.js';

/** One IDX array (LeCun's MNIST format), unsigned bytes only, as MNIST-likes use. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

export const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Gunzips with the web-standard DecompressionStream, present in Node, workerd and browsers. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decodes an IDX file, gzipped or not. `name` only labels errors. Rejects
 * bad magic, non-ubyte element types, truncated data and trailing bytes.
 */
export async function decodeIdx(bytes: Uint8Array, name: string): Promise<IdxArray> {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = await gunzip(bytes);
    } catch (err) {
      throw new InputError(`${name}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new InputError(`${name}: not an IDX file (bad magic number)`);
  }
  if (raw[2] !== UBYTE) {
    throw new InputError(`${name}: IDX element type 0x${raw[2].toString(16).padStart(2, '0')} is not unsigned byte (0x08)`);
  }
  const rank = raw[3];
  const headerSize = 4 + 4 * rank;
  if (rank === 0 || raw.length < headerSize) throw new InputError(`${name}: truncated IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = raw.length - headerSize;
  if (found < expected) throw new InputError(`${name}: truncated, header says ${expected} bytes of data but ${found} follow`);
  if (found > expected) throw new InputError(`${name}: ${found - expected} unexpected bytes after the data`);
  return { dims, data: raw.subarray(headerSize) };
}
