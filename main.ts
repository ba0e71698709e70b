/**
 * The cdk8s app entry (`npx cdk8s synth` runs it, see cdk8s.yaml). It renders the same tree as
 * `mw-gitops synth` into $CDK8S_OUTDIR (dist/ by default).
 */
import { runSynth } from './synth/index.js';

const result = await runSynth({ configDir: 'environments', out: process.env.CDK8S_OUTDIR ?? 'dist' });
for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
