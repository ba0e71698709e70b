/**
 * `mw-gitops rollback --flavour F [--to TAG]`: restore the tag F had before on the base branch
 * (from images.yaml's git history there), through bump's path: one regenerated branch
 * (mw-gitops/rollback/F), one commit, and with --open-pr one request titled and labelled as a
 * rollback. With the Rollouts' rollbackWindow, Argo Rollouts returns to a recent ReplicaSet at once.
 */
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { ROLLBACK_PREFIX } from '../bump/run.js';
import { execute, requestOptions, type BumpFlags } from './bump.js';

/** Label added to every rollback request. */
export const ROLLBACK_LABEL = 'rollback';

export function register(program: Command): void {
  const command = program
    .command('rollback')
    .description(
      `Restore the tag an image flavour had before: the previous tag in images.yaml's history on the base branch, or --to. ` +
        `Pushes ${ROLLBACK_PREFIX}<flavour> (base + one commit, dist/ re-rendered) and with --open-pr opens or updates the one ` +
        `request for it, titled "Roll back …" and labelled "${ROLLBACK_LABEL}". Exit codes: 0 done, 2 bad input (no earlier tag), 1 anything else.`,
    )
    .option('--flavour <name>', 'the mw or web flavour to roll back')
    .option('--to <tag>', 'restore this tag (one the flavour had on the base) instead of the previous one');
  requestOptions(command)
    .addHelpText('after', '\nExample:\n  GITHUB_TOKEN=… mw-gitops rollback --flavour publish-83 --open-pr\n')
    .action((flags: BumpFlags & { to?: string }) => {
      if (flags.flavour === undefined) throw new UserError('rollback needs --flavour F.');
      return execute(flags, { kind: 'rollback', flavour: flags.flavour, to: flags.to }, [ROLLBACK_LABEL]);
    });
}
