// jest globalTeardown: removes the run's fixture directory (run-dir-setup.mjs).
import { rmSync } from 'node:fs';

export default function teardown() {
  const dir = process.env.MW_GITOPS_TEST_RUN_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
