/**
 * A cheap checkout for the generate contract tests (generate-contract.test.ts): what Argo CD's
 * repo-server hands the plugin (the files of one revision, no node_modules), minus what generate
 * never reads and which made the copy slow: dist/ (21 MB, replaced by the copy's own render) and
 * test/ (7 MB). environments/ is the small project (test/support/small-project.ts): what is under
 * test is the process contract, not the full project's content, and its dist/ renders in a
 * third of the time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bin, copyCheckout } from './checkout.js';
import { copySmallEnvironments } from './small-project.js';

/** A copy of the repository's sources (checkout.ts) in a new temporary directory, with the small environments/. */
export function copySmallCheckout(): string {
  const dir = copyCheckout(['environments']);
  copySmallEnvironments(dir);
  return dir;
}

/**
 * The checkout's dist/, as `mw-gitops synth` writes it from the checkout's environments/ (the
 * copy's sources are this checkout's). Through the command, not in this process: the installed
 * bundle renders and validates the small project in about a second, where importing the
 * renderer into a jest worker costs several.
 */
export function writeDist(checkout: string): void {
  const run = spawnSync(process.execPath, [bin, 'synth', '--config-dir', join(checkout, 'environments'), '--out', join(checkout, 'dist')], {
    cwd: checkout,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`synth of the checkout failed (${run.status}): ${run.stderr}`);
}
