/**
 * What rendering one insertion did, in the same record for every method: the new instance,
 * what it replaced or clipped, and its geometric layers (for previews, stats and reports).
 */
import type { RgbImage } from '../core/raster.ts';
import type { Sample } from '../io/dataset.ts';

/** Bits of {@link AppliedEdit.layers}: the geometric layers of an edit, in image pixels. */
export const LAYER = {
  /** r0: the new nucleus. */
  nucleus: 1,
  /** r1 \ r0: the donor's own 1-px contour (pasted except over other nuclei). */
  contour: 2,
  /** r3 \ r1: the transition ring (inpainted except over other nuclei). */
  ring: 4,
  /** The replaced nucleus grown by 2 px: the stage-1 hole (inpainted except over other nuclei). */
  hole: 8,
  /** The replaced nucleus's pixels as read. */
  former: 16,
} as const;

/** What rendering one insertion did. */
export interface AppliedEdit {
  /** `insertion.index`. */
  index: number;
  kind: 'major' | 'background';
  /** The new instance's id in the output labels (after renumbering). */
  newId: number;
  /** Its type (the donor's, in the output's class space) and pixel count. */
  type: number;
  area: number;
  /** The replaced instance's id as read (major targets only). */
  replacedId?: number;
  /** Where the donor crop's top-left pixel went, in target pixels. */
  offset: [number, number];
  /**
   * The edit region: bounding box [x0, y0, x1, y1] (exclusive) of r3 and, for a major target,
   * of the stage-1 hole. Nothing outside it changed, in the image or the labels.
   */
  bbox: [number, number, number, number];
  /** Bit masks of {@link LAYER} over `bbox`: (x1−x0)×(y1−y0) uint8, row-major. */
  layers: Uint8Array;
  /** Pixels of other nuclei that the new nucleus covers. */
  coveredPixels: number;
  /** Ids as read of the other nuclei that lost pixels to the new nucleus, ascending. */
  clippedIds: number[];
  /** Those of `clippedIds` that lost every pixel and are gone from the labels. */
  vanishedIds: number[];
  /** Their types as read, aligned with `vanishedIds`. */
  vanishedTypes: number[];
}

/**
 * What rendering one target image gave: the edited sample and one {@link AppliedEdit} per
 * inserted nucleus. `decorate` may draw method-specific marks on the preview overlay (CutMix's
 * rectangles) after the outlines; `extra` holds the method's own numbers for this image,
 * which its `summarise` turns into stats.json's `extra`.
 */
export interface RenderedImage {
  sample: Sample;
  applied: AppliedEdit[];
  decorate?: (overlay: RgbImage) => void;
  extra?: Record<string, unknown>;
}
