/**
 * The flags of `augment`, `plan` and `render`, made from the library's option tables: the
 * request's, every method's and the engine's. Commands only parse them into the library's
 * types; checking and defaults are the library's.
 */
import { Option, type Command } from 'commander';
import { flagName, resolveTypeNames, type OptionSpec, type OptionTable, type TypeToken } from '../core/options.ts';
import type { ClassList } from '../core/classes.ts';
import type { AugmentRequest, MethodName } from '../augment/method.ts';
import { METHOD_NAMES, METHODS, type MethodOptions } from '../augment/methods.ts';
import { REQUEST_OPTIONS } from '../augment/request.ts';
import type { EngineChoice } from '../augment/driver.ts';
import { ENGINE_OPTIONS, type EngineOptions } from '../inpaint/engines.ts';
import { addTableOptions, rejectForeignFlags, valuesOf } from './table-options.ts';

/** Every method's own table, by method name. */
const METHOD_TABLES = Object.fromEntries(METHOD_NAMES.map((m) => [m, METHODS[m].options])) as Record<MethodName, OptionTable<object>>;

/** `--method` and every method's own flags. */
export function withMethodOptions(cmd: Command): Command {
  cmd.addOption(new Option('--method <name>', 'augmentation method: NucleiMix or one of the baselines the papers compare it with').choices(METHOD_NAMES).default('nucleimix'));
  for (const m of METHOD_NAMES) addTableOptions(cmd, METHOD_TABLES[m]);
  return cmd;
}

/** The request's flags (`--rare`, `--k`, `--seed`, `--margin`, `--major`, `--protect`, `--warn-loss`). */
export function withRequestOptions(cmd: Command): Command {
  return addTableOptions(cmd, REQUEST_OPTIONS);
}

/** The engine's flags (`--inpainter`, `--radius`, …) and `--no-preview`. */
export function withEngineOptions(cmd: Command, previews = true): Command {
  addTableOptions(cmd, ENGINE_OPTIONS);
  return previews ? cmd.option('--no-preview', 'do not write the preview pictures') : cmd;
}

/** The request the flags give, class names in type lists (`--rare other`) looked up in `classes`. */
export function requestOf(opts: Record<string, unknown>, classes: ClassList): AugmentRequest {
  const values = valuesOf(REQUEST_OPTIONS, opts) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(REQUEST_OPTIONS) as [string, OptionSpec<unknown>][]) {
    if (spec.type === 'types' && Array.isArray(values[key])) values[key] = resolveTypeNames(flagName(spec), values[key] as TypeToken[], classes);
  }
  return values as unknown as AugmentRequest;
}

/** The chosen method and its own options from the flags; a flag of another method is an error. */
export function methodOf<M extends MethodName>(cmd: Command, opts: Record<string, unknown>): { method: M; options: Partial<MethodOptions[M]> } {
  const method = (opts.method as M | undefined) ?? ('nucleimix' as M);
  rejectForeignFlags(cmd, [METHODS[method].options], METHOD_TABLES, method);
  if (METHODS[method].engine === undefined) {
    const inpainting = METHOD_NAMES.filter((m) => METHODS[m].engine !== undefined).join(' or ');
    rejectForeignFlags(cmd, [], { [inpainting]: ENGINE_OPTIONS }, method);
  }
  return { method, options: valuesOf(METHODS[method].options, opts) as Partial<MethodOptions[M]> };
}

/** The engine the flags choose, or undefined for the method's own. */
export function engineOf(opts: Record<string, unknown>): EngineChoice | undefined {
  const { inpainter, ...settings } = valuesOf(ENGINE_OPTIONS, opts) as EngineOptions;
  if (inpainter === undefined && Object.keys(settings).length === 0) return undefined;
  return { name: inpainter ?? '', settings: settings as EngineChoice['settings'] };
}
