#!/usr/bin/env node
// The installed command. It loads the TypeScript sources through tsx (which caches its
// transforms), so an edit to a construct shows up in the next run without a build step.
// `generate` (the Argo CD plugin) has its own small entry: it renders the checkout's code, so
// loading this copy's render code as well would only slow every manifest request down.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2] === 'generate' ? '../cli/generate-main.ts' : '../cli/index.ts');
