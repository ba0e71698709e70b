/**
 * Which images changed between two releases.json indexes: the one computation behind the
 * publish message's "Images:" section and the bump request's rollout table.
 */
import type { ReleaseIndexEntry, ReleasesIndex } from '../render/releases-index.js';
import type { PublishedEntry } from './releases-index.js';
import { releaseId } from './tree-changes.js';

/** The two images every release runs. */
export const IMAGE_ROLES = ['app', 'httpd'] as const;
export type ImageRole = (typeof IMAGE_ROLES)[number];

/** One image of one release that differs between the two indexes. */
export interface ReleaseImageChange<Before extends PublishedEntry = PublishedEntry> {
  /** The release before the change; absent when it is new. */
  readonly before?: Before;
  /** The release after the change; absent when it is gone. */
  readonly after?: ReleaseIndexEntry;
  readonly role: ImageRole;
  /** null: the release is new (or the old index did not record this image). */
  readonly from: string | null;
  /** null: the release is gone. */
  readonly to: string | null;
}

/**
 * Every image that differs: releases of `after` in index order, then releases only `before`
 * has, each with its roles in IMAGE_ROLES order.
 */
export function changedImages<Before extends PublishedEntry>(
  before: { readonly releases: readonly Before[] } | null,
  after: ReleasesIndex,
): ReleaseImageChange<Before>[] {
  const old = new Map((before?.releases ?? []).map((r) => [releaseId(r), r]));
  const rows: ReleaseImageChange<Before>[] = [];
  const push = (from: Before | undefined, to: ReleaseIndexEntry | undefined) => {
    for (const role of IMAGE_ROLES) {
      const a = from?.images?.[role] ?? null;
      const b = to?.images[role] ?? null;
      if (a !== b) rows.push({ before: from, after: to, role, from: a, to: b });
    }
  };
  const seen = new Set<string>();
  for (const r of after.releases) {
    seen.add(releaseId(r));
    push(old.get(releaseId(r)), r);
  }
  for (const r of before?.releases ?? []) if (!seen.has(releaseId(r))) push(r, undefined);
  return rows;
}
