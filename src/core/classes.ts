/**
 * Nucleus classes: the id → name list of a dataset, and the class-merge presets the
 * community uses.
 */

export interface NucleusClass {
  id: number;
  name: string;
}

export type ClassList = readonly NucleusClass[];

/** A merge from a dataset's raw types to a coarser class list. */
export interface ClassMerge {
  name: string;
  description: string;
  from: ClassList;
  to: ClassList;
  /** raw type → merged type */
  map: ReadonlyMap<number, number>;
}

function classes(...names: string[]): ClassList {
  return names.map((name, i) => ({ id: i + 1, name }));
}

/** Class lists of the formats we read, keyed by a name users can pass as `--classes`. */
export const CLASS_LISTS: Readonly<Record<string, ClassList>> = {
  consep: classes('other', 'inflammatory', 'healthy epithelial', 'malignant epithelial', 'fibroblast', 'muscle', 'endothelial'),
  'consep-merged': classes('other', 'inflammatory', 'epithelial', 'spindle'),
  glysac: classes(...Array.from({ length: 10 }, (_, i) => `glysac type ${i + 1}`)),
  'glysac-merged': classes('other', 'lymphocyte', 'epithelial'),
  pannuke: classes('neoplastic', 'inflammatory', 'connective', 'dead', 'epithelial'),
  monusac: classes('epithelial', 'lymphocyte', 'neutrophil', 'macrophage'),
  monuseg: classes('nucleus'),
  lizard: classes('neutrophil', 'epithelial', 'lymphocyte', 'plasma', 'eosinophil', 'connective'),
};

function merge(name: string, description: string, from: ClassList, to: ClassList, groups: number[][]): ClassMerge {
  const map = new Map<number, number>();
  groups.forEach((raw, i) => raw.forEach((t) => map.set(t, i + 1)));
  return { name, description, from, to, map };
}

/** Named class merges (`--merge NAME`). */
export const CLASS_MERGES: Readonly<Record<string, ClassMerge>> = {
  consep: merge('consep', 'CoNSeP 7 → 4: {1} other, {2} inflammatory, {3,4} epithelial, {5,6,7} spindle', CLASS_LISTS.consep, CLASS_LISTS['consep-merged'], [[1], [2], [3, 4], [5, 6, 7]]),
  glysac: merge('glysac', 'GLySAC 10 → 3 (SONNET): {1,2,9,10} other, {4,5,6,7} lymphocyte, {3,8} epithelial', CLASS_LISTS.glysac, CLASS_LISTS['glysac-merged'], [[1, 2, 9, 10], [4, 5, 6, 7], [3, 8]]),
};

/** Name of a type in a class list, or `type N` when the list does not name it. */
export function className(list: ClassList, id: number): string {
  return list.find((c) => c.id === id)?.name ?? `type ${id}`;
}

/** A generic class list `type 1..n` for data that does not say what its types are. */
export function genericClasses(maxType: number): ClassList {
  return Array.from({ length: maxType }, (_, i) => ({ id: i + 1, name: `type ${i + 1}` }));
}
