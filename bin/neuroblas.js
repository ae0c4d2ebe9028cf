#!/usr/bin/env node
// The package's command: the CLI compiled by `npm run build:ts` (tsup) into dist/cli.js.
import '../dist/cli.js';
