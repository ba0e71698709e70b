/**
 * The render bump runs in its temporary worktree: `mw-gitops synth` itself (validation
 * included), with the config files named relative to the repository root
 * (`environments/images.yaml`), so errors point at paths the user knows.
 */
import { runSynth } from '../../synth/index.js';
import type { ReleasesIndex } from '../../render/releases-index.js';

export interface RenderRequest {
  /** Absolute config directory inside the worktree. */
  readonly configDir: string;
  /** Absolute output directory inside the worktree. */
  readonly out: string;
  /** The config directory relative to the repository root, POSIX (`environments`). */
  readonly configName: string;
}

export type RenderFn = (request: RenderRequest) => Promise<{ index: ReleasesIndex; warnings: readonly string[] }>;

export const renderWithSynth: RenderFn = async (request) => {
  const result = await runSynth({ configDir: request.configDir, out: request.out, configName: request.configName });
  return { index: result.index, warnings: result.warnings };
};
