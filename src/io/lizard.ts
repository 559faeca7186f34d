/**
 * Lizard: images (`Lizard_Images1/`, `Lizard_Images2/` or `Images/`) + `.mat` labels
 * (`Lizard_Labels/Labels/` or `Labels/`) holding `inst_map` (H×W int32), `id` (N×1: the
 * instance id each row describes), `class` (N×1), `bbox` (N×4: y1, y2, x1, x2 with y2 and x2
 * exclusive, as HoVer-Net's get_bounding_box) and `centroid` (N×2: x, y). Rows follow `id`,
 * not the map's order, so everything is looked up by id.
 */
import { CLASS_LISTS } from '../core/classes.ts';
import { NucleiMixError, check } from '../core/errors.ts';
import { instanceStats, type Labels } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';
import type { FormatIO } from './dataset.ts';
import { CENTROID_TOLERANCE, checkedCentroids, ofNuclei, warnDerived } from './derived-labels.ts';
import { floatRows, hasVariable, intMatrix, intVector } from './mat-arrays.ts';
import { matFormat, type LabelVariable, type MatLabelCodec } from './mat-dataset.ts';
import type { MatFile } from './mat-file.ts';

/** The per-row arrays as stored (row order and bounding boxes), valid for unedited labels. */
interface LizardStored {
  rowIds: Int32Array;
  bbox: Float64Array;
}

export function lizardLabels(mat: MatFile, file: string, width: number, height: number, untyped = false): { labels: Labels; stored: LizardStored } {
  const inst = intMatrix(mat, 'inst_map', file);
  check(inst.rows === height && inst.cols === width, file, `inst_map is ${inst.rows}×${inst.cols} but the image is ${height}×${width}`);
  const instMap = createInstanceMap(width, height, inst.data);
  const stats = instanceStats(instMap);
  const rowIds = intVector(mat, 'id', file);
  const classes = intVector(mat, 'class', file);
  const n = rowIds.length;
  check(classes.length === n, file, `'class' has ${classes.length} rows but 'id' has ${n}`);
  const rowOf = new Map<number, number>();
  rowIds.forEach((id, r) => {
    if (rowOf.has(id)) throw new NucleiMixError(`'id' lists instance ${id} twice`, file);
    rowOf.set(id, r);
  });
  for (const id of stats.ids) check(rowOf.has(id), file, `instance ${id} of inst_map has no row in 'id' (no class)`);
  check(n === stats.ids.length, file, `'id' has ${n} rows but inst_map has ${stats.ids.length} instances`);
  const centroidRows = hasVariable(mat, 'centroid') ? floatRows(mat, 'centroid', file, n, 2) : undefined;
  const bbox = hasVariable(mat, 'bbox') ? floatRows(mat, 'bbox', file, n, 4) : new Float64Array(0);
  const types = new Int32Array(n);
  let centroids: Float64Array = new Float64Array(2 * n);
  stats.ids.forEach((id, i) => {
    const r = rowOf.get(id)!;
    types[i] = classes[r];
    check(types[i] > 0 || (untyped && types[i] === 0), file, `instance ${id} has class ${types[i]}; classes must be positive`);
    centroids[2 * i] = centroidRows ? centroidRows[2 * r] : stats.centroids[2 * i];
    centroids[2 * i + 1] = centroidRows ? centroidRows[2 * r + 1] : stats.centroids[2 * i + 1];
  });
  if (centroidRows) {
    // The instance map is authoritative for centroids (derived-labels.ts).
    const checked = checkedCentroids(centroids, stats.centroids);
    centroids = checked.centroids;
    if (checked.replaced > 0) {
      warnDerived(file, `'centroid' disagrees with inst_map for ${ofNuclei(checked.replaced, n)} (not finite, or more than ${CENTROID_TOLERANCE} px from the mean of their pixels); their centroids were recomputed from inst_map`);
    }
  }
  return { labels: { inst: instMap, ids: stats.ids, types, centroids }, stored: { rowIds, bbox } };
}

/** Rows in the stored order for unedited labels, else ascending ids with fresh boxes. */
function build(labels: Labels, stored: LizardStored | undefined): Record<string, LabelVariable> {
  const { width, height } = labels.inst;
  const n = labels.ids.length;
  const index = new Map<number, number>();
  labels.ids.forEach((id, i) => index.set(id, i));
  const rowIds = stored?.rowIds ?? labels.ids;
  let bbox = stored?.bbox;
  if (bbox === undefined || bbox.length !== 4 * n) {
    const stats = instanceStats(labels.inst);
    const rowOf = new Map<number, number>();
    rowIds.forEach((id, r) => rowOf.set(id, r));
    const boxes = new Float64Array(4 * n);
    stats.ids.forEach((id, i) => {
      const [x0, y0, x1, y1] = stats.bboxes.subarray(4 * i, 4 * i + 4);
      boxes.set([y0, y1, x0, x1], 4 * rowOf.get(id)!);
    });
    bbox = boxes;
  }
  const classes = Int32Array.from(rowIds, (id) => labels.types[index.get(id)!]);
  const centroid = new Float64Array(2 * n);
  rowIds.forEach((id, r) => {
    const i = index.get(id)!;
    centroid[2 * r] = labels.centroids[2 * i];
    centroid[2 * r + 1] = labels.centroids[2 * i + 1];
  });
  return {
    inst_map: { rows: height, cols: width, values: labels.inst.data, fallback: 'int32' },
    id: { rows: n, cols: 1, values: rowIds, fallback: 'int32' },
    class: { rows: n, cols: 1, values: classes, fallback: 'int32' },
    bbox: { rows: n, cols: 4, values: bbox, fallback: 'int32' },
    centroid: { rows: n, cols: 2, values: centroid, fallback: 'double' },
  };
}

export const lizardCodec: MatLabelCodec<LizardStored> = {
  format: 'lizard',
  description: 'Lizard: images + Labels/*.mat (inst_map, id, class, bbox, centroid)',
  variables: ['inst_map', 'id', 'class', 'bbox', 'centroid'],
  parse: lizardLabels,
  build,
  defaultClasses: async () => CLASS_LISTS.lizard,
};

export const lizard: FormatIO = matFormat(lizardCodec);
