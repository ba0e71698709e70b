/** Where dist/ was rendered: the source repository's commit and origin, for publish's commit trailers. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stripCredentials } from './redact.js';
import { createGit } from './run.js';

export interface SourceInfo {
  /** HEAD, with `-dirty` when tracked or untracked (not ignored) files outside dist/ changed. */
  readonly commit?: string;
  /** The origin remote's URL without credentials. */
  readonly repository?: string;
}

/** Describes the git repository containing `distDir`; empty when it is not in one. */
export async function sourceInfo(distDir: string): Promise<SourceInfo> {
  let dir = path.resolve(distDir);
  while (!existsSync(dir)) dir = path.dirname(dir);
  const git = createGit({ cwd: dir });
  const top = await git.tryRun(['rev-parse', '--show-toplevel']);
  if (!top.ok || !top.stdout.trim()) return {};
  const output = async (args: string[]) => {
    const result = await git.tryRun(args);
    return result.ok ? result.stdout : '';
  };
  const head = (await output(['rev-parse', '--verify', '--quiet', 'HEAD'])).trim();
  const rel = path.relative(top.stdout.trim(), path.resolve(distDir)).split(path.sep).join('/');
  const excludeDist = rel && !rel.startsWith('..') ? [`:(exclude,top)${rel}`] : [];
  const status = await output(['status', '--porcelain', '-z', '--', ':(top)', ...excludeDist]);
  const origin = (await output(['config', '--get', 'remote.origin.url'])).trim();
  return {
    ...(head ? { commit: `${head}${status.length > 0 ? '-dirty' : ''}` } : {}),
    ...(origin ? { repository: stripCredentials(origin) } : {}),
  };
}
