/**
 * Which masks.npy channel each type goes to when writing PanNuke. PanNuke's loaders (its own
 * README, HoVer-Net's and CellViT's data code) read channels 0–4 as neoplastic, inflammatory,
 * connective, dead and epithelial, whatever a classes.json beside the files says, so types are
 * placed by class name, not by number:
 * - a class whose name is one of PanNuke's (case-insensitive) goes to that class's channel;
 * - the others take the channels no class claimed, in order (CoNSeP's merged other,
 *   inflammatory, epithelial, spindle → neoplastic, inflammatory, epithelial, connective), and
 *   the caller is warned with the whole mapping, since PanNuke models will read them under
 *   PanNuke's names;
 * - a class left without a channel (more than five classes) cannot be written: an instance of
 *   it is an error naming the class.
 * The written dataset's class list names each type c+1 by what channel c holds.
 */
import { CLASS_LISTS, type ClassList } from '../core/classes.ts';

/** PanNuke's classes, channel c holding type c+1. */
export const PANNUKE_CLASSES: ClassList = CLASS_LISTS.pannuke;

export interface PannukeChannels {
  /** type of the source class list → channel 0..4 */
  channelOf: ReadonlyMap<number, number>;
  /** The class list of the written files: type c+1 named by what channel c holds. */
  written: ClassList;
  /** The mapping in words when some class is not PanNuke's (for a warning); else undefined. */
  warning?: string;
}

export function pannukeChannels(classes: ClassList): PannukeChannels {
  const byName = new Map(PANNUKE_CLASSES.map((c, i) => [c.name.toLowerCase(), i]));
  const channelOf = new Map<number, number>();
  const taken = new Set<number>();
  for (const c of classes) {
    const ch = byName.get(c.name.toLowerCase());
    if (ch !== undefined && !taken.has(ch)) {
      channelOf.set(c.id, ch);
      taken.add(ch);
    }
  }
  const unmatched = classes.filter((c) => !channelOf.has(c.id));
  const free = PANNUKE_CLASSES.map((_, i) => i).filter((i) => !taken.has(i));
  const dropped: string[] = [];
  for (const c of unmatched) {
    const ch = free.shift();
    if (ch === undefined) dropped.push(c.name);
    else channelOf.set(c.id, ch);
  }
  const holder = new Map([...channelOf].map(([type, ch]) => [ch, type]));
  const nameOf = new Map(classes.map((c) => [c.id, c.name]));
  const written = PANNUKE_CLASSES.map((p, ch) => ({ id: ch + 1, name: holder.has(ch) ? nameOf.get(holder.get(ch)!)! : p.name }));
  if (unmatched.length === 0) return { channelOf, written };
  const mapping = classes
    .filter((c) => channelOf.has(c.id))
    .map((c) => `${c.id} ${c.name} → channel ${channelOf.get(c.id)} (${PANNUKE_CLASSES[channelOf.get(c.id)!].name})`)
    .join(', ');
  const names = unmatched.map((c) => c.name).join(', ');
  let warning = `PanNuke's mask channels 0–4 mean ${PANNUKE_CLASSES.map((c) => c.name).join(', ')}; the class list's ${names} ${unmatched.length === 1 ? 'is' : 'are'} not among them, so types were placed ${mapping}`;
  if (dropped.length > 0) warning += `; ${dropped.join(', ')} got no channel (an instance of ${dropped.length === 1 ? 'it' : 'them'} is an error)`;
  return { channelOf, written, warning };
}
