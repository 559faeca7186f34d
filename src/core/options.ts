/**
 * Options declared once, as albumentations' `InitSchema` and sharp's `lib/is.mjs` do (see the
 * project's design notes): each method's options are one {@link OptionTable} — flag, type,
 * range, default, help — from which the CLI builds its flags, the library checks values and
 * fills defaults, and the manifest records what shaped the plan. Every bad value is phrased
 * by one helper, `expectedError` ("expected …, got …").
 */
import { expectedError, NucleiMixError } from './errors.ts';

/**
 * What values an option takes. `int`, `number`: numbers within [min, max] (`above`: strictly
 * greater); `choice`: one of `choices`; `types`: a list of type ids (positive integers) — on
 * the command line also class names, which {@link resolveTypeNames} turns into ids once the
 * dataset's class list is known; `path`: a file or folder; `name`: free text naming something
 * (an engine).
 */
export type OptionType = 'int' | 'number' | 'choice' | 'types' | 'path' | 'name';

export interface OptionSpec<T> {
  /** The command-line flag with its value placeholder, e.g. `--box-margin <px>`. */
  readonly flag: string;
  readonly type: OptionType;
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (`number` options that must be positive). */
  readonly above?: number;
  readonly choices?: readonly string[];
  /** The value when the option is not given (`undefined`: absent unless given). */
  readonly default: T;
  /** True when the option must be given (no default). */
  readonly required?: boolean;
  readonly help: string;
  /** False for options that do not shape the result (threads, cache folder): not recorded in the manifest. */
  readonly recorded?: boolean;
}

/** One spec per option of `O`, in the order flags and manifests list them. */
export type OptionTable<O> = { readonly [K in keyof O]-?: OptionSpec<O[K]> };

/** The option's name as users see it: its flag without the placeholder (`--box-margin`). */
export function flagName(spec: OptionSpec<unknown>): string {
  return spec.flag.split(' ')[0];
}

/** What a spec accepts, in words ("an integer from 0 to 100"). */
export function expectation(spec: OptionSpec<unknown>): string {
  const range = (what: string): string => {
    const lo = spec.above !== undefined ? `> ${spec.above}` : spec.min !== undefined ? `≥ ${spec.min}` : undefined;
    if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
    if (lo !== undefined && spec.max !== undefined) return `${what} ${lo} and ≤ ${spec.max}`;
    if (lo !== undefined) return `${what} ${lo}`;
    if (spec.max !== undefined) return `${what} ≤ ${spec.max}`;
    return what;
  };
  switch (spec.type) {
    case 'int':
      return range('an integer');
    case 'number':
      return range('a number');
    case 'choice':
      return `one of ${spec.choices!.join(', ')}`;
    case 'types':
      return 'type ids (positive integers)';
    case 'path':
      return 'a file or folder path';
    case 'name':
      return 'a name';
  }
}

/** Throws `expectedError` unless `value` is one `spec` accepts (`undefined` passes unless required). */
export function checkValue(what: string, spec: OptionSpec<unknown>, value: unknown): void {
  if (value === undefined) {
    if (spec.required) throw expectedError(what, expectation(spec), value);
    return;
  }
  const bad = (): never => {
    throw expectedError(what, expectation(spec), value);
  };
  switch (spec.type) {
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) bad();
      const n = value as number;
      if (spec.type === 'int' && !Number.isInteger(n)) bad();
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max) || (spec.above !== undefined && !(n > spec.above))) bad();
      return;
    }
    case 'choice':
      if (typeof value !== 'string' || !spec.choices!.includes(value)) bad();
      return;
    case 'types':
      if (!Array.isArray(value) || !value.every((t) => Number.isInteger(t) && t > 0)) bad();
      return;
    case 'path':
    case 'name':
      if (typeof value !== 'string' || value.length === 0) bad();
      return;
  }
}

/** A type as the command line names it: an id, or a class name not yet looked up. */
export type TypeToken = number | string;

/**
 * Parses a comma-separated list of types as typed (`1,3`, `other`, `Epithelial,2`) onto
 * `previous`: digits give ids (positive), anything else a class name, trimmed, for
 * {@link resolveTypeNames}. Repeats are dropped.
 */
export function parseTypeTokens(what: string, raw: string, previous: readonly TypeToken[] = []): TypeToken[] {
  const list = [...previous];
  for (const part of raw.split(',').map((p) => p.trim())) {
    let token: TypeToken = part;
    if (/^[+-]?\d+(\.\d*)?$/.test(part)) {
      const n = Number(part);
      if (!Number.isInteger(n) || n <= 0) throw expectedError(what, 'type ids (positive integers) or class names', part);
      token = n;
    } else if (part === '') throw expectedError(what, 'type ids (positive integers) or class names', part);
    if (!list.some((t) => (typeof t === 'string' && typeof token === 'string' ? t.toLowerCase() === token.toLowerCase() : t === token))) list.push(token);
  }
  return list;
}

/**
 * Type ids of `tokens` in the class list `classes`: ids as they are, names matched
 * case-insensitively (`other`, `Other`); repeats dropped, order kept.
 *
 * @throws NucleiMixError naming the flag and listing the classes for a name none has.
 */
export function resolveTypeNames(what: string, tokens: readonly TypeToken[], classes: readonly { id: number; name: string }[]): number[] {
  const out: number[] = [];
  for (const t of tokens) {
    let id: number;
    if (typeof t === 'number') id = t;
    else {
      const hit = classes.find((c) => c.name.toLowerCase() === t.toLowerCase());
      if (hit === undefined) throw new NucleiMixError(`${what}: no class is named '${t}' (classes: ${classes.map((c) => `${c.id} ${c.name}`).join(', ')})`);
      id = hit.id;
    }
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * Parses a command-line string for `spec` (numbers, comma-separated type lists), or throws
 * `expectedError`. `previous` accumulates repeated `types` flags, whose class names stay
 * names until {@link resolveTypeNames}.
 */
export function parseValue(spec: OptionSpec<unknown>, raw: string, previous?: unknown): unknown {
  let value: unknown = raw;
  if (spec.type === 'int' || spec.type === 'number') value = raw.trim() === '' ? NaN : Number(raw);
  if (spec.type === 'types') return parseTypeTokens(flagName(spec), raw, Array.isArray(previous) ? (previous as TypeToken[]) : []);
  checkValue(flagName(spec), spec, value);
  return value;
}

/**
 * The options `given` completed with the table's defaults and checked, in table order.
 * Throws NucleiMixError naming the method for an option the table does not have.
 */
export function resolveOptions<O extends object>(owner: string, table: OptionTable<O>, given: Partial<O> = {}): O {
  for (const key of Object.keys(given)) {
    if (!(key in table)) throw new NucleiMixError(`${owner} has no option '${key}' (it has: ${Object.keys(table).join(', ') || 'none'})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table) as [string, OptionSpec<unknown>][]) {
    const value = (given as Record<string, unknown>)[key] ?? spec.default;
    checkValue(`${owner} ${flagName(spec)}`, spec, value);
    if (value !== undefined) out[key] = value;
  }
  return out as O;
}

/** The options that shaped a plan, for `manifest.options` (absent and unrecorded ones left out). */
export function recordedOptions<O extends object>(table: OptionTable<O>, values: O): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table) as [string, OptionSpec<unknown>][]) {
    const v = (values as Record<string, unknown>)[key];
    if (spec.recorded !== false && v !== undefined) out[key] = v;
  }
  return out;
}

/** The table's defaults (what a command line without flags gives). */
export function defaultsOf<O extends object>(table: OptionTable<O>): Partial<O> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table) as [string, OptionSpec<unknown>][]) if (spec.default !== undefined) out[key] = spec.default;
  return out as Partial<O>;
}
