#!/usr/bin/env node
// Runs the TypeScript agent CLI through tsx, so the published package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./vigil-agent-cli.ts');
