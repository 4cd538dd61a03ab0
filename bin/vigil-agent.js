#!/usr/bin/env node
// The `vigil-agent` command line (bin/vigil-agent-cli.ts), run as compiled JavaScript (bin/compiled.js).
// Hosts install the single-file build instead (agent/build.ts).
import { runCompiled } from './compiled.js';

await runCompiled('vigil-agent-cli.ts', 'vigil-agent');
