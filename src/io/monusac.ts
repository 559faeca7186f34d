/**
 * MoNuSAC 2020: H&E tiles with Aperio-style XML polygons grouped into annotations, each named
 * by its cell type: `<Annotation><Attributes><Attribute Name="Epithelial" …/></Attributes>…`.
 * Types: 1 Epithelial, 2 Lymphocyte, 3 Neutrophil, 4 Macrophage (CLASS_LISTS.monusac), matched
 * case-insensitively against the class list in use. 'Ambiguous' annotations mark areas the
 * challenge scores as "ignore": they make no instances, and are kept in the sample's `source`
 * so that writing the sample back writes them back too, as long as the image keeps its size
 * (after a crop their coordinates no longer apply, and they are left out).
 *
 * Folder handling, reading and writing are shared with MoNuSeg (monuseg.ts). Writing groups
 * instances, in id order, into one annotation per run of equal types; labels read from a
 * MoNuSAC file are ordered by type already, so this gives one annotation per type and keeps
 * the ids.
 */
import { CLASS_LISTS, className, type ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import type { Shape } from '../core/polygon.ts';
import type { AnnotationOut } from './aperio-xml.ts';
import type { FormatIO } from './dataset.ts';
import { shapeRegions, xmlFormat, type XmlFlavour } from './monuseg.ts';

/** The annotation name MoNuSAC gives to areas to ignore. */
export const AMBIGUOUS = 'Ambiguous';

/** Aperio LineColor (0xBBGGRR) per type, as the MoNuSAC files colour them; others green. */
const LINE_COLORS: Record<number, string> = { 1: '255', 2: '65280', 3: '16711680', 4: '65535' };

/** A class name as MoNuSAC writes it: 'epithelial' → 'Epithelial'. */
function displayName(name: string): string {
  return name.replace(/(^|\s)(\p{Ll})/gu, (_, space: string, c: string) => space + c.toUpperCase());
}

function typeOf(annotation: { attributes: Record<string, string>; typeName?: string }, index: number, classes: ClassList, file: string): number | null {
  const which = `annotation ${annotation.attributes.Id ?? index + 1}`;
  const name = annotation.typeName;
  if (name === undefined) throw new NucleiMixError(`${which} names no cell type (<Attributes><Attribute Name="…"/>)`, file);
  const wanted = name.toLowerCase();
  const match = classes.find((c) => c.name.toLowerCase() === wanted);
  if (match !== undefined) return match.id;
  if (wanted === AMBIGUOUS.toLowerCase()) return null;
  const known = classes.map((c) => displayName(c.name)).join(', ');
  throw new NucleiMixError(`${which} has cell type '${name}', which is not in the class list (${known}, or ${AMBIGUOUS})`, file);
}

function annotationsFor(
  ids: Int32Array,
  shapes: Map<number, Shape[]>,
  typeOfId: (id: number) => number,
  classes: ClassList,
  file: string,
): AnnotationOut[] {
  const out: AnnotationOut[] = [];
  let current: AnnotationOut | undefined;
  let currentType = NaN;
  for (const id of ids) {
    const type = typeOfId(id);
    if (type !== currentType) {
      if (!classes.some((c) => c.id === type)) {
        throw new NucleiMixError(`instance ${id} has type ${type}, which has no name in the class list; MoNuSAC stores types by name`, file);
      }
      current = { attributes: { LineColor: LINE_COLORS[type] ?? '65280' }, typeName: displayName(className(classes, type)), regions: [] };
      currentType = type;
      out.push(current);
    }
    current!.regions.push(...shapeRegions(shapes.get(id) ?? []));
  }
  return out;
}

const monusacFlavour: XmlFlavour = {
  name: 'monusac',
  description: 'MoNuSAC: <name>.xml (Aperio polygons, one annotation per cell type) with <name>.tif, flat or in patient folders',
  classes: CLASS_LISTS.monusac,
  typed: true,
  typeOf,
  annotationsFor,
};

export const monusac: FormatIO = xmlFormat(monusacFlavour);
