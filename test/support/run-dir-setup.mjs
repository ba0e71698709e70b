// jest globalSetup: one temporary directory for the whole run, where fixtures that every file
// would otherwise build again (test/support/run-fixture.ts) are built once. Workers start after
// this runs and inherit the variable; run-dir-teardown.mjs removes the directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  process.env.MW_GITOPS_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'mw-gitops-test-run-'));
}
