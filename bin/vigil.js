#!/usr/bin/env node
// The `vigil` command line (bin/vigil-cli.ts), run as compiled JavaScript (bin/compiled.js).
import { runCompiled } from './compiled.js';

await runCompiled('vigil-cli.ts', 'vigil');
