import { Option, type Command } from 'commander';
import { CLASS_LISTS, CLASS_MERGES } from '../core/classes.ts';
import { FORMAT_NAMES } from '../io/formats.ts';
import type { OpenOptions } from '../io/open.ts';

/** Adds the options every command that reads a dataset shares. */
export function withDatasetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <name>', 'dataset format (detected from the layout when omitted)').choices(FORMAT_NAMES))
    .addOption(new Option('--classes <name>', 'class list to name the types (default: classes.json beside the data, else the format\'s own)').choices(Object.keys(CLASS_LISTS)))
    .addOption(new Option('--merge <preset>', 'merge raw types into coarser classes while reading').choices(Object.keys(CLASS_MERGES)));
}

export function openOptions(opts: { format?: string; classes?: string; merge?: string }): OpenOptions {
  return { format: opts.format, classes: opts.classes, merge: opts.merge };
}
