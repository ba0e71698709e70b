import type { Command } from 'commander';
import { DEFAULT_CONFIG_DIR } from '../../synth/config-files.js';
import { runSynth, type SynthResult } from '../../synth/index.js';
import { progressReporter } from '../progress.js';

export function register(program: Command): void {
  program
    .command('synth')
    .description(
      'Render every release of every cluster into the output directory: <cluster>/<namespace>/<release>/manifest.yaml, ' +
        'argocd/<cluster>/applicationset.yaml, releases.json and README.md. The directory is replaced as a whole, ' +
        'so files of removed releases disappear; bad input leaves it untouched.',
    )
    .option('--config-dir <dir>', 'directory holding deployments.yaml and images.yaml', DEFAULT_CONFIG_DIR)
    .option('--out <dir>', 'output directory (the deployment repository tree)', 'dist')
    .action(async (opts: { configDir: string; out: string }) => {
      progressReporter()(`rendering and validating every release from ${opts.configDir}/`);
      const result = await runSynth({ configDir: opts.configDir, out: opts.out });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${summary(result, opts.out)}\n`);
    });
}

function summary(result: SynthResult, out: string): string {
  const perCluster = result.index.clusters.map((c) => `${c}: ${result.index.releases.filter((r) => r.cluster === c).length}`).join(', ');
  const what = `${result.index.releases.length} releases (${perCluster})`;
  return result.changed ? `rendered ${what} into ${out}/` : `${out}/ is up to date: ${what}`;
}
