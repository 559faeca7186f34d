/**
 * Where to look when comparing methods (the paper's Fig. 1: the same target regions augmented
 * by each method side by side): windows that as many methods as possible inserted into.
 * Each method chooses its own targets, so a window centred on one method's insertion is
 * scored by how many methods put a nucleus well inside it.
 */

/** An insertion centre of one method. */
export interface MethodPoint {
  method: string;
  image: string;
  x: number;
  y: number;
}

/** A chosen window: its image and centre, and which methods inserted inside it. */
export interface FigureRegion {
  image: string;
  cx: number;
  cy: number;
  methods: string[];
}

/**
 * Up to `count` windows of side `size` centred on insertion points, chosen greedily: most
 * methods inside first (a point counts when it lies `inset` px inside the window), then most
 * of `preferred`'s points, then fewest points (less clutter), then image name and position,
 * so the choice is deterministic. Windows of one image do not overlap; a second window in an
 * image is taken only once every image with a candidate has one.
 */
export function figureRegions(points: readonly MethodPoint[], count: number, size: number, preferred?: string, inset = 8): FigureRegion[] {
  const half = size / 2 - inset;
  const byImage = new Map<string, MethodPoint[]>();
  for (const p of points) byImage.set(p.image, [...(byImage.get(p.image) ?? []), p]);
  interface Scored extends FigureRegion {
    pref: number;
    n: number;
  }
  const candidates: Scored[] = [];
  for (const [image, list] of byImage) {
    const seen = new Set<string>();
    for (const c of list) {
      const cx = Math.round(c.x);
      const cy = Math.round(c.y);
      if (seen.has(`${cx},${cy}`)) continue;
      seen.add(`${cx},${cy}`);
      const inside = list.filter((p) => Math.abs(p.x - cx) <= half && Math.abs(p.y - cy) <= half);
      const methods = [...new Set(inside.map((p) => p.method))].sort();
      candidates.push({ image, cx, cy, methods, pref: inside.filter((p) => p.method === preferred).length, n: inside.length });
    }
  }
  candidates.sort((a, b) => b.methods.length - a.methods.length || b.pref - a.pref || a.n - b.n || (a.image < b.image ? -1 : a.image > b.image ? 1 : 0) || a.cy - b.cy || a.cx - b.cx);
  const chosen: Scored[] = [];
  const overlaps = (a: Scored, b: Scored): boolean => a.image === b.image && Math.abs(a.cx - b.cx) < size && Math.abs(a.cy - b.cy) < size;
  for (const pass of [0, 1]) {
    for (const c of candidates) {
      if (chosen.length >= count) break;
      if (pass === 0 && chosen.some((d) => d.image === c.image)) continue;
      if (chosen.some((d) => d === c || overlaps(d, c))) continue;
      chosen.push(c);
    }
  }
  return chosen.map(({ image, cx, cy, methods }) => ({ image, cx, cy, methods }));
}
