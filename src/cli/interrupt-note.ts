/**
 * What the CLI says after "interrupted;" when SIGINT or SIGTERM stops a run (main.ts, after it
 * has removed the half-written outputs). Most commands publish their output by one rename at
 * the end, so an interrupted one wrote nothing; a command that keeps its finished work
 * (`render --shard`) sets its own line. Its own module so that commands can set it without
 * importing main.ts (an import cycle).
 */
let note = 'no output was written';

/** Sets what an interruption of this run reports. */
export function setInterruptNote(text: string): void {
  note = text;
}

/** What an interruption of this run reports. */
export function interruptNote(): string {
  return note;
}
