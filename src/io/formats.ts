import type { FormatIO, FormatName } from './dataset.ts';
import { consep } from './consep.ts';
import { lizard } from './lizard.ts';
import { monusac } from './monusac.ts';
import { monuseg } from './monuseg.ts';
import { pannuke } from './pannuke.ts';

/** Every format, in the order auto-detection tries them (most specific first). */
export const FORMATS: readonly FormatIO[] = [consep, lizard, pannuke, monusac, monuseg];

export const FORMAT_NAMES = FORMATS.map((f) => f.name);

export function formatByName(name: string): FormatIO | undefined {
  return FORMATS.find((f) => f.name === (name as FormatName));
}
