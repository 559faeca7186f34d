/**
 * One rendered image kept by a shard until the merge: its pixels and/or its labels, exactly
 * (the merge hands them to the format's writer, which must write the bytes a single-process
 * render writes). nucleimix's own small container, since no dataset format holds one image
 * alone for every input format (PanNuke keeps a whole fold in one .npy).
 *
 * Layout: the 8 bytes `NMXSMP01`, a uint32 LE header length, the header (UTF-8 JSON:
 * `{width, height, image, labels, n}`), then raw DEFLATE of the payload: the image (H×W×3
 * uint8, row-major) when `image`, then when `labels` the instance map (H×W int32), `ids` (n
 * int32), `types` (n int32) and `centroids` (n×2 float64, x then y), all little-endian.
 */
import { endianness } from 'node:os';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { NucleiMixError } from '../core/errors.ts';
import type { Labels } from '../core/labels.ts';
import { createImage, createInstanceMap, type RgbImage } from '../core/raster.ts';

const MAGIC = 'NMXSMP01';

/** What a shard keeps of an image: the parts that differ from the input (absent: the input's). */
export interface SampleParts {
  width: number;
  height: number;
  image?: RgbImage;
  labels?: Labels;
}

function littleEndian(): void {
  // Typed arrays are written in the machine's byte order; every platform Node ships for is little-endian.
  if (endianness() !== 'LE') throw new NucleiMixError('shard files are little-endian; this machine is big-endian');
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The file's bytes. DEFLATE level 1: instance maps shrink ~50×, and fast matters more than small here. */
export function encodeSample(parts: SampleParts): Buffer {
  littleEndian();
  const { width, height, image, labels } = parts;
  if (image !== undefined && (image.width !== width || image.height !== height)) throw new NucleiMixError(`encodeSample: image is ${image.width}×${image.height}, expected ${width}×${height}`);
  if (labels !== undefined && (labels.inst.width !== width || labels.inst.height !== height)) throw new NucleiMixError(`encodeSample: labels are ${labels.inst.width}×${labels.inst.height}, expected ${width}×${height}`);
  const n = labels?.ids.length ?? 0;
  const header = Buffer.from(JSON.stringify({ width, height, image: image !== undefined, labels: labels !== undefined, n }), 'utf8');
  const chunks: Buffer[] = [];
  if (image !== undefined) chunks.push(bytes(image.data));
  if (labels !== undefined) chunks.push(bytes(labels.inst.data), bytes(labels.ids), bytes(labels.types), bytes(labels.centroids));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, header, deflateRawSync(Buffer.concat(chunks), { level: 1 })]);
}

/**
 * The parts back from a file's bytes.
 *
 * @throws NucleiMixError naming `file` when the bytes are not such a file, or are cut short.
 */
export function decodeSample(buf: Buffer, file: string): SampleParts {
  littleEndian();
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new NucleiMixError('is not a nucleimix shard image (bad magic)', file);
  const hl = buf.readUInt32LE(8);
  let h: { width: number; height: number; image: boolean; labels: boolean; n: number };
  try {
    h = JSON.parse(buf.toString('utf8', 12, 12 + hl));
  } catch {
    throw new NucleiMixError('has a corrupt header', file);
  }
  const ok = [h?.width, h?.height, h?.n].every((v) => Number.isSafeInteger(v) && v >= 0) && typeof h.image === 'boolean' && typeof h.labels === 'boolean';
  if (!ok) throw new NucleiMixError('has a malformed header', file);
  let payload: Buffer;
  try {
    payload = inflateRawSync(buf.subarray(12 + hl));
  } catch (err) {
    throw new NucleiMixError(`is corrupt (${(err as Error).message})`, file);
  }
  const { width: W, height: H, n } = h;
  const expected = (h.image ? W * H * 3 : 0) + (h.labels ? W * H * 4 + n * 8 + n * 16 : 0);
  if (payload.length !== expected) throw new NucleiMixError(`holds ${payload.length} bytes of pixels and labels, expected ${expected}`, file);
  let at = 0;
  // Copies, so every typed array starts on its own aligned buffer.
  const take = (length: number): ArrayBuffer => {
    const out = new ArrayBuffer(length);
    new Uint8Array(out).set(payload.subarray(at, at + length));
    at += length;
    return out;
  };
  const parts: SampleParts = { width: W, height: H };
  if (h.image) parts.image = createImage(W, H, new Uint8Array(take(W * H * 3)));
  if (h.labels) {
    const inst = createInstanceMap(W, H, new Int32Array(take(W * H * 4)));
    parts.labels = { inst, ids: new Int32Array(take(n * 4)), types: new Int32Array(take(n * 4)), centroids: new Float64Array(take(n * 16)) };
  }
  return parts;
}
