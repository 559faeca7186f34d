#!/usr/bin/env node
// nucleimix is written in TypeScript and run through tsx's loader, so there is no build step
// between `npm ci` and the first run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
