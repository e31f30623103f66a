#!/usr/bin/env node
// Builds the package in the current folder with the one shared tsdown.config.ts. Every publishable
// package's `build` script is `node ../../scripts/build.mjs`.
//
// Through tsdown's API rather than its CLI: the CLI warns on every run under Node < 22.18 that its next
// minor drops Node 20. We pin tsdown to ~0.21 and support Node 20.19 at run time, so the warning says nothing
// a build here can act on; build on Node 22.18+ before moving tsdown past 0.21.
import { fileURLToPath } from 'node:url';
import { build } from 'tsdown';

await build({ config: fileURLToPath(new URL('../tsdown.config.ts', import.meta.url)) });
