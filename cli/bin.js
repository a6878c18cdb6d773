#!/usr/bin/env node
// The gluekit command. Registers tsx so that job files (and gluekit's own sources)
// load as TypeScript without a build step; see docs/loader.md.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
