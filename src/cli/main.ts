import { rmSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { NucleiMixError } from '../core/errors.ts';
import { pendingOutputs } from '../io/write.ts';
import { augmentCommand } from './augment.ts';
import { compareCommand } from './compare.ts';
import { convertCommand } from './convert.ts';
import { demoCommand } from './demo.ts';
import { emitCommand } from './emit.ts';
import { evalCommand } from './eval.ts';
import { infoCommand } from './info.ts';
import { interruptNote } from './interrupt-note.ts';
import { mergeCommand } from './merge.ts';
import { planCommand } from './plan.ts';
import { realismCommand } from './realism.ts';
import { renderCommand } from './render.ts';
import { reportCommand } from './report.ts';
import { synthCommand } from './synth.ts';
import { verifyCommand } from './verify.ts';

export function buildProgram(): Command {
  const program = new Command('nucleimix')
    .description('Realistic augmentation of rare nucleus types in annotated H&E datasets')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  infoCommand(program);
  augmentCommand(program);
  planCommand(program);
  renderCommand(program);
  mergeCommand(program);
  verifyCommand(program);
  emitCommand(program);
  synthCommand(program);
  convertCommand(program);
  evalCommand(program);
  realismCommand(program);
  reportCommand(program);
  compareCommand(program);
  demoCommand(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Removes half-written outputs when the user interrupts a run, and says what is left ({@link interruptNote}). */
function cleanUpOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const dir of pendingOutputs) rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`\nnucleimix: interrupted; ${interruptNote()}\n`);
      process.exit(130);
    });
  }
}

/** Runs the CLI and returns the exit code: 0 ok, 1 bad input or usage, 2 internal error. */
export async function main(argv: string[]): Promise<number> {
  cleanUpOnSignal();
  // The library warns through process.emitWarning (a file's centroids recomputed, PanNuke's
  // channel mapping): one plain line each, not Node's "(node:PID) [CODE] Warning:" form.
  process.removeAllListeners('warning');
  process.on('warning', (w) => process.stderr.write(`nucleimix: warning: ${w.message}\n`));
  // `nucleimix info … | head` closes the pipe early: stop quietly instead of crashing.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1; // commander printed it
    if (err instanceof NucleiMixError) {
      process.stderr.write(`nucleimix: ${err.message}\n`);
      return 1;
    }
    const e = err as Error;
    process.stderr.write(`nucleimix: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.NUCLEIMIX_DEBUG) process.stderr.write(`${e?.stack}\n`);
    else process.stderr.write('(this is a bug in nucleimix; set NUCLEIMIX_DEBUG=1 to see where)\n');
    return 2;
  }
}
