/**
 * Reading releases.json back: one zod schema of the index synth writes (render/releases-index.ts),
 * read strictly from dist/ (publish, diff) and tolerantly from what an older deployment
 * repository or base branch holds (publish messages, diff, bump request bodies).
 */
import { z } from 'zod';
import type { ReleaseIndexEntry, ReleasesIndex } from '../render/releases-index.js';

const Stage = z.enum(['testservers', 'canaries', 'production']);

const ReleaseKeySchema = z.object({ cluster: z.string(), namespace: z.string(), release: z.string() });

const ReleaseIndexEntrySchema = ReleaseKeySchema.extend({
  application: z.string(),
  stage: Stage,
  deploy: z.boolean(),
  mwKind: z.string(),
  mwFlavour: z.string(),
  webFlavour: z.string(),
  images: z.object({ app: z.string(), httpd: z.string() }),
  replicas: z.number().int().nullable(),
  workload: z.enum(['Rollout', 'DaemonSet']),
  routedVia: z.string(),
  nodePorts: z.array(z.number().int()),
  path: z.string(),
}) satisfies z.ZodType<ReleaseIndexEntry>;

export const ReleasesIndexSchema = z.object({
  generator: z.literal('mw-gitops'),
  stages: z.array(Stage),
  clusters: z.array(z.string()),
  releases: z.array(ReleaseIndexEntrySchema),
  unmanaged: z.array(z.object({ namespace: z.string(), clusters: z.array(z.string()), reason: z.string() })),
}) satisfies z.ZodType<ReleasesIndex>;

/** An entry of an index written by any version: where the release is, and what else it says. */
export type PublishedEntry = z.infer<typeof ReleaseKeySchema> & Partial<ReleaseIndexEntry>;

/** An index as an older mw-gitops (or a hand edit) may have left it. */
export interface PublishedIndex {
  readonly clusters: readonly string[];
  readonly releases: readonly PublishedEntry[];
}

/** The field a strict read failed on, e.g. `releases[3].images.app: expected string`. */
export class ReleasesIndexError extends Error {}

/** Reads releases.json as synth writes it; throws ReleasesIndexError naming the first bad field. */
export function readReleasesIndex(text: string): ReleasesIndex {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReleasesIndexError(`not valid JSON (${(err as Error).message})`);
  }
  const result = ReleasesIndexSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  throw new ReleasesIndexError(`${field || '(the whole file)'}: ${issue.message}`);
}

/**
 * Reads releases.json from the deployment repository or a base branch, keeping every entry that
 * names its release and dropping the rest; null for anything that is not an index at all. An
 * old or hand-edited file must not stop a publish or a bump.
 */
export function readPublishedIndex(text: string | undefined): PublishedIndex | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const shape = z.object({ releases: z.array(z.unknown()), clusters: z.array(z.unknown()).optional() }).safeParse(value);
  if (!shape.success) return null;
  const releases = shape.data.releases.flatMap((entry) => {
    if (!ReleaseKeySchema.safeParse(entry).success) return [];
    // Fields that do not match today's schema are left out rather than trusted.
    const fields = Object.entries(ReleaseIndexEntrySchema.shape).filter(([key, schema]) => schema.safeParse((entry as Record<string, unknown>)[key]).success);
    return [Object.fromEntries(fields.map(([key]) => [key, (entry as Record<string, unknown>)[key]])) as PublishedEntry];
  });
  const clusters = shape.data.clusters
    ? shape.data.clusters.filter((c): c is string => typeof c === 'string')
    : [...new Set(releases.map((r) => r.cluster))];
  return { clusters, releases };
}
