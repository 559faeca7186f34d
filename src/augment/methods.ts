/** The registry of augmentation methods, by the name `--method` takes. */
import { NucleiMixError } from '../core/errors.ts';
import { COPYPASTE, type CopyPasteOptions } from './copypaste.ts';
import { CUTMIX, type CutMixOptions } from './cutmix.ts';
import { GRADMIX, type GradMixOptions } from './gradmix.ts';
import { INSMIX, type InsMixOptions } from './insmix.ts';
import type { InsertionBase } from './manifest.ts';
import type { AugmentMethod, MethodName } from './method.ts';
import { NUCLEIMIX, type NucleiMixOptions } from './nucleimix.ts';

export const METHOD_NAMES: readonly MethodName[] = ['nucleimix', 'cutmix', 'copypaste', 'gradmix', 'insmix'];

/** Each method's own options, by name. */
export interface MethodOptions {
  nucleimix: NucleiMixOptions;
  cutmix: CutMixOptions;
  copypaste: CopyPasteOptions;
  gradmix: GradMixOptions;
  insmix: InsMixOptions;
}

/** Every method, by name. */
export const METHODS: { readonly [M in MethodName]: AugmentMethod<MethodOptions[M], InsertionBase> } = {
  nucleimix: NUCLEIMIX,
  cutmix: CUTMIX,
  copypaste: COPYPASTE,
  gradmix: GRADMIX,
  insmix: INSMIX,
};

/** A method seen from the driver: its options as a plain record. */
export type AnyMethod = AugmentMethod<Record<string, unknown>, InsertionBase>;

/** The method called `name`, or a NucleiMixError listing the names. */
export function methodByName(name: string): AnyMethod {
  const m = (METHODS as unknown as Record<string, AnyMethod | undefined>)[name];
  if (m === undefined) throw new NucleiMixError(`unknown method '${name}' (expected one of: ${METHOD_NAMES.join(', ')})`);
  return m;
}
