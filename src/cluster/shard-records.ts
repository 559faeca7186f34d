/**
 * The records a shard folder holds, as JSON, and their checks when read back:
 *
 * - `shard.json` ({@link ShardHeader}), written first: which manifest (by SHA-256), which shard
 *   of how many, its images, the engine and whether previews are drawn. A rerun into the folder
 *   must match it.
 * - `images/<name>.json` ({@link ImageEntry}), one per finished image, written after the files
 *   it names: its render record (counts, applied edits, the method's numbers) and where its
 *   pixels and labels are, with their SHA-256.
 * - `complete.json` ({@link ShardCompletion}), written last: the header again, with the
 *   totals; the merge takes only shards that have it.
 *
 * Every file is written to a temporary name and renamed (`shard-folder.ts`), so a record that
 * exists is whole. Pure: no I/O here.
 */
import { createHash } from 'node:crypto';
import { NucleiMixError } from '../core/errors.ts';
import type { AppliedEdit } from '../augment/applied-edit.ts';
import type { AnyManifest, EngineRecord } from '../augment/manifest.ts';
import type { ImageRecord } from '../augment/render-loop.ts';
import type { SampleKeeps } from './sample-delta.ts';
import type { ShardId } from './shard-env.ts';

export const SHARD_TOOL = 'nucleimix-shard';
export const SHARD_VERSION = 1;

/** `shard.json`: what a shard folder is for. */
export interface ShardHeader {
  tool: typeof SHARD_TOOL;
  version: typeof SHARD_VERSION;
  /** SHA-256 of the manifest as nucleimix writes it ({@link manifestSha256}). */
  manifestSha256: string;
  method: string;
  shard: ShardId;
  /** The target images this shard renders, in dataset order. */
  images: string[];
  /** The engine it renders with (null: the method never inpaints). */
  engine: EngineRecord | null;
  previews: boolean;
}

/** `complete.json`: the shard finished. */
export interface ShardCompletion extends ShardHeader {
  complete: true;
  /** Insertions applied, over the shard's images. */
  edits: number;
}

/** A file the shard wrote for an image, by name inside `images/`. */
export interface FileRef {
  file: string;
  sha256: string;
}

/** `images/<name>.json`: one finished image. */
export interface ImageEntry {
  name: string;
  before: Record<string, number>;
  after: Record<string, number>;
  /** The applied edits (layers as base64), when the image changed. */
  applied?: (Omit<AppliedEdit, 'layers'> & { layers: string })[];
  extra?: Record<string, unknown>;
  trimmed?: { instances: number; pixels: number };
  overlay?: FileRef;
  /** The image's pixels and/or labels (`sample-file.ts`); absent: the input's, unchanged. */
  sample?: FileRef;
  keeps: SampleKeeps;
}

/**
 * The SHA-256 of a manifest as nucleimix writes it (2-space JSON and a newline, as `plan`
 * writes manifest.json), so it equals `sha256sum plan.json` for a manifest `plan` wrote.
 */
export function manifestSha256(manifest: AnyManifest): string {
  return createHash('sha256').update(JSON.stringify(manifest, null, 2) + '\n').digest('hex');
}

/** The record of an image as a shard writes it (overlay and sample file refs are the caller's). */
export function imageEntry(name: string, rec: ImageRecord, keeps: SampleKeeps): ImageEntry {
  const entry: ImageEntry = { name, before: rec.before, after: rec.after, keeps };
  if (rec.applied !== undefined) entry.applied = rec.applied.map((a) => ({ ...a, layers: Buffer.from(a.layers.buffer, a.layers.byteOffset, a.layers.byteLength).toString('base64') }));
  if (rec.extra !== undefined) entry.extra = rec.extra;
  if (rec.trimmed !== undefined) entry.trimmed = rec.trimmed;
  return entry;
}

/** The render record back from an image's entry (its overlay's bytes given by the caller; pairs are the merge's). */
export function recordOf(entry: ImageEntry, overlay: Uint8Array | undefined): ImageRecord {
  const rec: ImageRecord = { before: numericKeys(entry.before), after: numericKeys(entry.after) };
  if (entry.trimmed !== undefined) rec.trimmed = entry.trimmed;
  if (entry.applied !== undefined) rec.applied = entry.applied.map((a) => ({ ...a, layers: new Uint8Array(Buffer.from(a.layers, 'base64')) }));
  if (overlay !== undefined) rec.overlay = overlay;
  if (entry.extra !== undefined) rec.extra = entry.extra;
  return rec;
}

function numericKeys(r: Record<string, number>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [k, v] of Object.entries(r)) out[+k] = v;
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCounts = (v: unknown): boolean => isObject(v) && Object.entries(v).every(([k, n]) => /^-?\d+$/.test(k) && Number.isInteger(n));
const isRef = (v: unknown): boolean => isObject(v) && typeof v.file === 'string' && /^[0-9a-f]{64}$/.test(String(v.sha256));

/** Checks a parsed `shard.json` (or the header part of `complete.json`). @throws NucleiMixError naming `file`. */
export function checkHeader(v: unknown, file: string): ShardHeader {
  if (!isObject(v) || v.tool !== SHARD_TOOL) throw new NucleiMixError(`is not a nucleimix shard record (no "tool": "${SHARD_TOOL}")`, file);
  if (v.version !== SHARD_VERSION) throw new NucleiMixError(`is a version ${String(v.version)} shard record; this nucleimix reads version ${SHARD_VERSION}`, file);
  const s = v.shard as Record<string, unknown> | undefined;
  const ok =
    typeof v.manifestSha256 === 'string' && /^[0-9a-f]{64}$/.test(v.manifestSha256) && typeof v.method === 'string' &&
    isObject(s) && Number.isInteger(s.index) && Number.isInteger(s.count) && (s.index as number) >= 0 && (s.index as number) < (s.count as number) &&
    Array.isArray(v.images) && v.images.every((n) => typeof n === 'string') &&
    (v.engine === null || (isObject(v.engine) && typeof v.engine.name === 'string')) && typeof v.previews === 'boolean';
  if (!ok) throw new NucleiMixError('is incomplete (needs manifestSha256, method, shard {index, count}, images, engine, previews)', file);
  return v as unknown as ShardHeader;
}

/** Checks a parsed `complete.json`. */
export function checkCompletion(v: unknown, file: string): ShardCompletion {
  const h = checkHeader(v, file) as ShardCompletion;
  if (h.complete !== true || !Number.isInteger(h.edits)) throw new NucleiMixError('is not a completion record (needs "complete": true and edits)', file);
  return h;
}

/** Checks a parsed image entry, which must be of image `name`. */
export function checkImageEntry(v: unknown, name: string, file: string): ImageEntry {
  if (!isObject(v) || v.name !== name) throw new NucleiMixError(`is not the record of image '${name}'`, file);
  const k = v.keeps as Record<string, unknown> | undefined;
  const ok =
    isCounts(v.before) && isCounts(v.after) && isObject(k) && ['origin', 'source', 'stored'].every((f) => typeof k[f] === 'boolean') &&
    (v.applied === undefined || (Array.isArray(v.applied) && v.applied.every((a) => isObject(a) && Number.isInteger(a.index) && typeof a.layers === 'string' && Array.isArray(a.vanishedTypes)))) &&
    (v.extra === undefined || isObject(v.extra)) &&
    (v.trimmed === undefined || (isObject(v.trimmed) && Number.isInteger(v.trimmed.instances) && Number.isInteger(v.trimmed.pixels))) &&
    (v.overlay === undefined || isRef(v.overlay)) && (v.sample === undefined || isRef(v.sample));
  if (!ok) throw new NucleiMixError('is incomplete or malformed (needs name, before, after, keeps; applied, overlay, sample as written by a shard)', file);
  return v as unknown as ImageEntry;
}

/** Where a shard is, for messages: `shard 1/3 (dir)`. */
export function shardLabel(shard: ShardId, dir?: string): string {
  return `shard ${shard.index}/${shard.count}${dir !== undefined ? ` (${dir})` : ''}`;
}
