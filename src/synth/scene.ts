/**
 * What one synthetic tile shows: how much of it is glandular, how inflamed its stroma is, how
 * many nuclei of each kind it holds. Drawing these per tile gives the dataset CoNSeP's
 * per-image variety (gland-rich tumour tiles, loose stroma, lymphocyte-rich tiles).
 *
 * Densities are nuclei per megapixel (Mpx) at CoNSeP's 0.25 µm/px. CoNSeP train has
 * 371 / 3,941 / 5,537 / 5,706 nuclei of types 1–4 over 27 Mpx (≈ 576 per Mpx: 2.4 % other,
 * 25 % inflammatory, 36 % epithelial, 37 % spindle); the constants below are tuned so that a
 * dataset of many synthetic tiles lands near those numbers.
 */
import type { Rng } from '../core/rng.ts';

export type SceneKind = 'glandular' | 'mixed' | 'stromal' | 'inflamed';

export interface Scene {
  kind: SceneKind;
  /** Target fraction of the tile covered by glands (epithelium + lumen). */
  glandCover: number;
  /** Inflammatory nuclei per Mpx of stroma. */
  inflammatoryDensity: number;
  /** Spread (px) of the Gaussian clusters inflammatory cells gather in. */
  clusterSpread: number;
  /** Spindle nuclei per Mpx of stroma. */
  spindleDensity: number;
  /** Number of rare (type 1, "other") nuclei to place. */
  rareCount: number;
  /** Number of small blood vessels in the stroma. */
  vesselCount: number;
  /** Mean density of the stroma's fibres (1 = CoNSeP's median stroma). */
  stromaDensity: number;
  /** Mean direction (radians) of the stroma's fibres. */
  flowAngle: number;
}

/** Rare nuclei per Mpx: CoNSeP's 371 "other" nuclei over 27 Mpx. */
const RARE_PER_MPX = 371 / 27;

/** Draws a tile's scene. `width`×`height` is the tile size in pixels. */
export function drawScene(rng: Rng, width: number, height: number): Scene {
  const mpx = (width * height) / 1e6;
  const u = rng.next();
  const kind: SceneKind = u < 0.3 ? 'glandular' : u < 0.65 ? 'mixed' : u < 0.92 ? 'stromal' : 'inflamed';
  const glandCover = {
    glandular: rng.uniform(0.28, 0.47),
    mixed: rng.uniform(0.08, 0.2),
    stromal: rng.uniform(0.0, 0.05),
    inflamed: rng.uniform(0.0, 0.06),
  }[kind];
  const inflammatoryDensity =
    kind === 'inflamed' ? rng.uniform(800, 1400) : 55 * Math.exp(0.6 * rng.normal()) * (kind === 'glandular' ? 0.7 : 1);
  // At least two rare donors in a 512² tile (fewer only where the tile is much smaller).
  const minRare = width * height >= 0.75 * 512 * 512 ? 2 : 1;
  return {
    kind,
    glandCover,
    inflammatoryDensity,
    clusterSpread: kind === 'inflamed' ? rng.uniform(80, 160) : rng.uniform(14, 40),
    spindleDensity: rng.uniform(180, 370) * (kind === 'inflamed' ? 0.4 : 1),
    rareCount: Math.max(minRare, poisson(rng, RARE_PER_MPX * mpx)),
    vesselCount: poisson(rng, 5 * mpx),
    stromaDensity: rng.uniform(0.6, 1.2),
    flowAngle: rng.uniform(0, Math.PI),
  };
}

/**
 * A Poisson-distributed count with the given mean: Knuth's method for the small means of
 * ordinary tiles, a rounded normal approximation beyond 50 (where exp(−mean) would underflow
 * for huge tiles).
 */
export function poisson(rng: Rng, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
