#!/usr/bin/env node
// The installed command. It loads the TypeScript sources through tsx (which caches its
// transforms), so an edit to a construct shows up in the next run without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
