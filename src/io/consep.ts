/**
 * CoNSeP / GLySAC: `Images/<name>.png|tif` + `Labels/<name>.mat` holding `inst_map` (H×W,
 * 0 = background), `type_map` (H×W), `inst_type` (N×1: the type of instance id i at row i−1)
 * and `inst_centroid` (N×2: x then y). HoVer-Net, SONNET and the NucleiMix code read this.
 */
import { CLASS_LISTS, type ClassList } from '../core/classes.ts';
import { NucleiMixError, check } from '../core/errors.ts';
import { instanceStats, paintTypeMap, renumber, type Labels } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';
import type { FormatIO } from './dataset.ts';
import { CENTROID_TOLERANCE, checkedCentroids, ofNuclei, typeMapDisagreement, warnDerived } from './derived-labels.ts';
import { floatRows, hasVariable, intMatrix, intVector } from './mat-arrays.ts';
import { matFormat, type LabelVariable, type MatLabelCodec } from './mat-dataset.ts';
import { readMatFile, type MatFile } from './mat-file.ts';
import type { LabelFile } from './paired-folders.ts';

/** The type map exactly as stored, valid while the labels are unedited. */
interface ConsepStored {
  typeMap?: Int32Array;
}

/** The largest type a CoNSeP-layout dataset may use without a class list of its own (GLySAC's 10). */
export const MAX_INFERRED_TYPE = 10;

/**
 * The usual class list for the largest type a CoNSeP-layout dataset uses. Types beyond
 * GLySAC's ten get no made-up list: a corrupt inst_type (65,535) would otherwise make a
 * 65,535-class dataset; `file` (where the largest type is) is named in the error.
 */
export function consepClassesFor(maxType: number, file?: string): ClassList {
  if (maxType <= 4) return CLASS_LISTS['consep-merged'];
  if (maxType <= 7) return CLASS_LISTS.consep;
  if (maxType <= MAX_INFERRED_TYPE) return CLASS_LISTS.glysac;
  throw new NucleiMixError(
    `inst_type holds type ${maxType}, beyond the ${MAX_INFERRED_TYPE} types nucleimix infers a class list for (CoNSeP 4 or 7, GLySAC 10); if the data really has ${maxType} types, name them in a classes.json beside it (or pass --classes)`,
    file,
  );
}

/** Parses one CoNSeP label file against its image; every inconsistency names the file. */
export function consepLabels(mat: MatFile, file: string, width: number, height: number, untyped = false): { labels: Labels; typeMap?: Int32Array } {
  const inst = intMatrix(mat, 'inst_map', file);
  check(inst.rows === height && inst.cols === width, file, `inst_map is ${inst.rows}×${inst.cols} but the image is ${height}×${width}`);
  const instMap = createInstanceMap(width, height, inst.data);
  const stats = instanceStats(instMap);
  const typeRows = intVector(mat, 'inst_type', file);
  const n = stats.ids.length;
  const maxId = n === 0 ? 0 : stats.ids[n - 1];
  check(maxId <= typeRows.length, file, `instance id ${maxId} has no type: inst_type has ${typeRows.length} rows`);
  check(typeRows.length === n, file, `inst_type has ${typeRows.length} rows but inst_map has ${n} instances (ids must be 1..N)`);
  const types = Int32Array.from(stats.ids, (id) => typeRows[id - 1]);
  const bad = types.findIndex((t) => t < 0 || (t === 0 && !untyped));
  check(bad < 0, file, `instance ${stats.ids[bad]} has type ${types[bad]}; types must be positive`);
  // Derived arrays that disagree with inst_map / inst_type are recomputed (derived-labels.ts).
  let centroids = stats.centroids;
  if (hasVariable(mat, 'inst_centroid')) {
    const checked = checkedCentroids(floatRows(mat, 'inst_centroid', file, n, 2), stats.centroids);
    centroids = checked.centroids;
    if (checked.replaced > 0) {
      warnDerived(file, `inst_centroid disagrees with inst_map for ${ofNuclei(checked.replaced, n)} (not finite, or more than ${CENTROID_TOLERANCE} px from the mean of their pixels); their centroids were recomputed from inst_map`);
    }
  }
  let typeMap: Int32Array | undefined;
  if (hasVariable(mat, 'type_map')) {
    const t = intMatrix(mat, 'type_map', file);
    check(t.rows === height && t.cols === width, file, `type_map is ${t.rows}×${t.cols} but the image is ${height}×${width}`);
    const wrong = typeMapDisagreement(t.data, instMap, stats.ids, types);
    if (wrong.nuclei > 0 || wrong.background > 0) {
      const bg = wrong.background > 0 ? ` and ${wrong.background.toLocaleString('en-US')} background pixels` : '';
      warnDerived(file, `type_map disagrees with inst_type for ${ofNuclei(wrong.nuclei, n)}${bg}; inst_type is used, and type_map is rebuilt from it on writing`);
    } else {
      typeMap = t.data;
    }
  }
  return { labels: { inst: instMap, ids: stats.ids, types, centroids }, typeMap };
}

/** Largest type over all label files (reads only what it must). */
async function maxTypeOf(pairs: LabelFile[]): Promise<{ max: number; file?: string }> {
  let max = 0;
  let file: string | undefined;
  for (const p of pairs) {
    const mat = await readMatFile(p.label, ['inst_type']);
    const t = intVector(mat, 'inst_type', p.label);
    for (const v of t) {
      if (v > max) {
        max = v;
        file = p.label;
      }
    }
  }
  return { max, file };
}

/** Labels → the four CoNSeP variables; ids renumbered 1..N as HoVer-Net expects. */
function build(sample: Labels, stored: ConsepStored | undefined): Record<string, LabelVariable> {
  const labels = renumber(sample);
  const { width, height } = labels.inst;
  const n = labels.ids.length;
  // The stored type map holds for the labels as read (the contract of Sample.stored), and
  // renumbering ids does not change which pixels have which type.
  const typeMap = stored?.typeMap ?? paintTypeMap(labels);
  return {
    inst_map: { rows: height, cols: width, values: labels.inst.data, fallback: 'double' },
    type_map: { rows: height, cols: width, values: typeMap, fallback: 'double' },
    inst_type: { rows: n, cols: 1, values: labels.types, fallback: 'double' },
    inst_centroid: { rows: n, cols: 2, values: labels.centroids, fallback: 'double' },
  };
}

export const consepCodec: MatLabelCodec<ConsepStored> = {
  format: 'consep',
  description: 'CoNSeP / GLySAC: Images/*.png|tif + Labels/*.mat (inst_map, type_map, inst_type, inst_centroid)',
  variables: ['inst_map', 'type_map', 'inst_type', 'inst_centroid'],
  parse: (mat, file, width, height, untyped) => {
    const { labels, typeMap } = consepLabels(mat, file, width, height, untyped);
    return { labels, stored: { typeMap } };
  },
  build,
  defaultClasses: async (pairs) => {
    const { max, file } = await maxTypeOf(pairs);
    return consepClassesFor(max, file);
  },
};

export const consep: FormatIO = matFormat(consepCodec);
