/**
 * Commander flags made from the library's option tables (`OptionTable`): every flag, its
 * parsing, checks and help come from the one declaration beside the code that uses it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { NucleiMixError } from '../core/errors.ts';
import { flagName, parseValue, type OptionSpec, type OptionTable } from '../core/options.ts';

/** A flag made from a spec: the value parsed and checked by the spec, the default shown in help. */
function optionOf(spec: OptionSpec<unknown>, help = spec.help): Option {
  const opt = new Option(spec.flag, help);
  if (spec.type === 'choice') opt.choices(spec.choices!);
  else
    opt.argParser((raw: string, previous: unknown) => {
      try {
        return parseValue(spec, raw, previous);
      } catch (err) {
        throw new InvalidArgumentError(err instanceof NucleiMixError ? err.message.replace(/^[^:]*: /, '') : String(err));
      }
    });
  if (spec.default !== undefined && !(Array.isArray(spec.default) && spec.default.length === 0)) opt.default(spec.default, JSON.stringify(spec.default));
  if (spec.required) opt.makeOptionMandatory();
  return opt;
}

/** Adds a flag for each option of `table` to `cmd`; `defaults: false` leaves defaults to the library (flags shared by methods with different defaults). */
export function addTableOptions<O extends object>(cmd: Command, table: OptionTable<O>, settings: { defaults?: boolean } = {}): Command {
  for (const spec of Object.values(table) as OptionSpec<unknown>[]) {
    const opt = optionOf(settings.defaults === false ? { ...spec, default: undefined } : spec);
    // Several methods may share a flag name; the first declaration serves them all.
    if (cmd.options.some((o) => o.long === flagName(spec))) continue;
    cmd.addOption(opt);
  }
  return cmd;
}

/** The commander attribute a table option's flag fills (`--box-margin` → boxMargin). */
export function attributeOf(spec: OptionSpec<unknown>): string {
  return new Option(spec.flag).attributeName();
}

/** The values of `table`'s options that the command line gave (given or defaulted by commander), by table key. */
export function valuesOf<O extends object>(table: OptionTable<O>, opts: Record<string, unknown>): Partial<O> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table) as [string, OptionSpec<unknown>][]) {
    const v = opts[attributeOf(spec)];
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<O>;
}

/**
 * Rejects a flag the user typed that none of `allowed` tables declares although another table
 * in `all` (by owner) does, so `--method cutmix --bg-shuffle 0.5` fails instead of silently
 * doing nothing.
 */
export function rejectForeignFlags(cmd: Command, allowed: readonly OptionTable<object>[], all: Readonly<Record<string, OptionTable<object>>>, what: string): void {
  const mine = new Set(allowed.flatMap((t) => (Object.values(t) as OptionSpec<unknown>[]).map(attributeOf)));
  for (const [owner, table] of Object.entries(all)) {
    for (const spec of Object.values(table) as OptionSpec<unknown>[]) {
      const attr = attributeOf(spec);
      if (!mine.has(attr) && cmd.getOptionValueSource(attr) === 'cli') throw new NucleiMixError(`${flagName(spec)} applies to --method ${owner}, not ${what}`);
    }
  }
}
