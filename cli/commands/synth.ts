import type { Command } from 'commander';
import { DEFAULT_CONFIG_DIR } from '../../synth/config-files.js';
import type { SynthResult } from '../../synth/index.js';
import { checkOutputDir } from '../../synth/tree-io.js';
import { progressReporter } from '../progress.js';

export function register(program: Command): void {
  program
    .command('synth')
    .description(
      'Render every release of every cluster into the output directory: <cluster>/<namespace>/<release>/manifest.yaml, ' +
        'argocd/<cluster>/applicationset.yaml, argocd/appproject.yaml, releases.json and README.md. The directory is replaced as a whole, ' +
        'so files of removed releases disappear; bad input leaves it untouched.',
    )
    .option('--config-dir <dir>', 'the configuration directory (deployments.yaml, images.yaml and the catalogues of sites and services)', DEFAULT_CONFIG_DIR)
    .option('--out <dir>', 'output directory (the deployment repository tree); never the project root, .git, the config directory or /', 'dist')
    .option('--force', 'replace --out even when it exists and holds no tree mw-gitops wrote (no releases.json of ours)')
    .action(async (opts: { configDir: string; out: string; force?: boolean }) => {
      // A dangerous --out is refused before the renderer (cdk8s, schemas) is even loaded.
      checkOutputDir(opts.out, { configDir: opts.configDir, force: Boolean(opts.force) });
      const { runSynth } = await import('../../synth/index.js');
      progressReporter()(`rendering and validating every release from ${opts.configDir}/`);
      const result = await runSynth({ configDir: opts.configDir, out: opts.out, force: Boolean(opts.force) });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${summary(result, opts.out)}\n`);
    });
}

function summary(result: SynthResult, out: string): string {
  const perCluster = result.index.clusters.map((c) => `${c}: ${result.index.releases.filter((r) => r.cluster === c).length}`).join(', ');
  const what = `${result.index.releases.length} releases (${perCluster})`;
  return result.changed ? `rendered ${what} into ${out}/` : `${out}/ is up to date: ${what}`;
}
