import { crc32, deflateSync } from 'node:zlib';
import { encode } from 'fast-png';

/** PNGs an attacker would send, built chunk by chunk. */
const chunk = (type: string, data: Uint8Array) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};
const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const ihdr = (width: number, height: number) => {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b[8] = 8; // 8-bit gray
  return chunk('IHDR', b);
};
const png = (...chunks: Buffer[]) => new Uint8Array(Buffer.concat([SIGNATURE, ...chunks, chunk('IEND', new Uint8Array())]));

/** A 1x1 image whose image data inflates to `inflatedMiB` MiB of zeros (a few KB per 10 MiB on the wire). */
export const pngBomb = (inflatedMiB: number) => png(ihdr(1, 1), chunk('IDAT', deflateSync(Buffer.alloc(inflatedMiB * 1024 * 1024), { level: 9 })));

/** A real `width` x `height` gray image behind a decoy chunk that claims 1x1 where a naive reader looks for IHDR. */
export function decoyHeader(width: number, height: number): Uint8Array {
  const real = encode({ width, height, data: new Uint8Array(width * height), channels: 1, depth: 8 });
  const decoy = Buffer.alloc(13);
  decoy.writeUInt32BE(1, 0);
  decoy.writeUInt32BE(1, 4);
  return new Uint8Array(Buffer.concat([SIGNATURE, chunk('teXt', decoy), Buffer.from(real.subarray(8))]));
}

/** A 1x1 IHDR followed by a second, large one (a decoder that takes the last would allocate for it). */
export const twoHeaders = (width: number, height: number) =>
  png(ihdr(1, 1), ihdr(width, height), chunk('IDAT', deflateSync(Buffer.alloc(height * (width + 1)))));

/** A valid 28x28 image with a compressed ICC profile that inflates to `inflatedMiB` MiB. */
export function iccpBomb(inflatedMiB: number): Uint8Array {
  const real = encode({ width: 28, height: 28, data: new Uint8Array(784).fill(255), channels: 1, depth: 8 });
  const profile = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(Buffer.alloc(inflatedMiB * 1024 * 1024), { level: 9 })]);
  return new Uint8Array(Buffer.concat([Buffer.from(real.subarray(0, 33)), chunk('iCCP', profile), Buffer.from(real.subarray(33))]));
}

/** A gray noise image of the given size (compresses poorly, decodes for real). */
export function noisePng(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return encode({ width, height, data, channels: 1, depth: 8 });
}
