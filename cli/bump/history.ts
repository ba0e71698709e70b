/**
 * The tags a flavour had on the base branch, newest first, read from images.yaml's git history:
 * what `mw-gitops rollback` restores.
 */
import { parse } from 'yaml';
import { UserError } from '../../config/errors.js';
import type { Git } from '../../git/run.js';

/** How far back rollback looks (commits touching images.yaml). */
const HISTORY_LIMIT = 500;

/** The flavour's tag in one version of images.yaml; undefined when it has no such flavour (or does not parse). */
export function flavourTag(imagesText: string, flavour: string): string | undefined {
  try {
    const doc = parse(imagesText) as Record<string, Record<string, { tag?: unknown }> | undefined> | null;
    const entry = doc?.mw_flavours?.[flavour] ?? doc?.web_flavours?.[flavour];
    return typeof entry?.tag === 'string' ? entry.tag : undefined;
  } catch {
    return undefined;
  }
}

/** Distinct tags of the flavour in the history of `path` at `ref`, newest first (the current one first). */
export async function tagHistory(git: Git, ref: string, path: string, flavour: string): Promise<string[]> {
  const commits = (await git.run(['log', `--max-count=${HISTORY_LIMIT}`, '--format=%H', ref, '--', path])).split('\n').filter(Boolean);
  const tags: string[] = [];
  for (const commit of commits) {
    const shown = await git.tryRun(['show', `${commit}:${path}`]);
    const tag = shown.ok ? flavourTag(shown.stdout, flavour) : undefined;
    if (tag !== undefined && tags[tags.length - 1] !== tag) tags.push(tag);
  }
  return tags;
}

/**
 * The tag to restore: `to` if the flavour had it on the base, else the one it had before the
 * current one. No earlier tag is bad input (exit 2).
 */
export async function rollbackTag(git: Git, ref: string, path: string, current: string, target: { flavour: string; to?: string }, baseName: string): Promise<string> {
  const now = flavourTag(current, target.flavour);
  if (now === undefined) throw new UserError(`${path} on ${baseName} has no flavour ${target.flavour} (--flavour).`);
  const history = (await tagHistory(git, ref, path, target.flavour)).filter((t) => t !== now);
  if (target.to !== undefined) {
    if (target.to === now) return now; // already there: bump's no-op path reports it
    if (!history.includes(target.to)) {
      throw new UserError(`${target.flavour} never had tag ${target.to} on ${baseName} (earlier tags: ${history.slice(0, 5).join(', ') || 'none'}).`);
    }
    return target.to;
  }
  if (history.length === 0) {
    throw new UserError(`${target.flavour} has had no tag other than ${now} on ${baseName}: there is nothing to roll back to.`);
  }
  return history[0];
}
