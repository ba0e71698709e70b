/**
 * environments/deployments.yaml in all three shapes it has had (the legacy list, the releases list
 * and the current `deployment_targets` wrapper), normalized into one list of per-cluster releases
 * with scap's semantics.
 */
import { z } from 'zod';
import { ConfigError, fieldPath } from './errors.js';
import { DEFAULT_CLUSTERS, DEFAULT_MW_KIND, STAGES, stageIndex, type Deployments, type FieldPath, type ReleaseSpec, type SupervisionCheck, type SupervisionRule } from './model.js';
import { DnsLabel, FlavourName, ImageKind, nameMap, partialNameMap, releaseNameProblem } from './names.js';
import { parseWith, parseYamlSource, type YamlSource } from './yaml-source.js';

const Stage = z.enum(STAGES);

const ReleaseFields = z.strictObject({
  stage: Stage.optional(),
  mw_kind: ImageKind.optional(),
  mw_flavour: FlavourName.optional(),
  web_flavour: FlavourName.optional(),
  deploy: z.boolean().optional(),
});

/** The 2024-10 releases list entry and the current deployment target share one schema. */
const Target = z.strictObject({
  namespace: DnsLabel,
  scope: z.string().min(1).optional(),
  releases: nameMap(DnsLabel, ReleaseFields.nullable()),
  mw_kind: ImageKind.optional(),
  /** The default of its releases; may be left out when every release names its own. */
  mw_flavour: FlavourName.optional(),
  web_flavour: FlavourName.optional(),
  /** Only in the 2024-10 shape: true meant the testservers stage. */
  debug: z.boolean().optional(),
  dir: z.string().min(1).optional(),
  clusters: z.array(DnsLabel).min(1).optional(),
});
type Target = z.infer<typeof Target>;

const LegacyEntry = z.strictObject({
  namespace: DnsLabel,
  release: DnsLabel,
  canary: DnsLabel.nullable().optional(),
  mw_flavour: FlavourName,
  web_flavour: FlavourName,
  debug: z.boolean().optional(),
});
type LegacyEntry = z.infer<typeof LegacyEntry>;

const Check = z.union([
  z.strictObject({
    logstash_check: z.strictObject({ threshold: z.number().int().nonnegative(), scope: z.string().optional(), stage: Stage.optional() }),
  }),
  z.strictObject({ commands: z.array(z.string().min(1)).min(1) }),
]);

const Rule = z.strictObject({
  scope: z.string().min(1),
  stages: partialNameMap(Stage, z.array(Check)),
});

const Wrapper = z.strictObject({
  deployment_targets: z.array(Target),
  supervision_rules: z.array(Rule).optional(),
});

/** Parses deployments.yaml text. `file` is the name used in error messages. */
export function parseDeployments(file: string, text: string): Deployments {
  const source = parseYamlSource(file, text);
  const data = source.data;
  if (Array.isArray(data)) return parseList(source, data);
  if (data !== null && typeof data === 'object' && 'deployment_targets' in data) {
    const wrapper = parseWith(source, Wrapper);
    const releases = normalizeTargets(source, wrapper.deployment_targets.map((t, i) => ({ target: t, path: ['deployment_targets', i] })));
    const rules = wrapper.supervision_rules ?? [];
    checkRuleScopes(source, rules, wrapper.deployment_targets);
    return { file, shape: 'targets', releases, supervisionRules: normalizeRules(rules), lineOf: source.lineOf };
  }
  throw new ConfigError(
    { file, line: source.lineOf([]) },
    'expected a list of deployments (legacy or releases shape) or a mapping with "deployment_targets"',
  );
}

function parseList(source: YamlSource, entries: unknown[]): Deployments {
  // Each entry is either the 2024-10 shape (has `releases`) or the legacy shape (has `release`).
  const targets: { target: Target; path: FieldPath }[] = [];
  const legacy: { entry: LegacyEntry; path: FieldPath }[] = [];
  entries.forEach((entry, i) => {
    const isObject = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
    if (isObject && 'releases' in entry) {
      targets.push({ target: parseEntry(source, i, Target), path: [i] });
    } else if (isObject && 'release' in entry) {
      legacy.push({ entry: parseEntry(source, i, LegacyEntry), path: [i] });
    } else {
      throw new ConfigError(
        { file: source.file, field: `[${i}]`, line: source.lineOf([i]) },
        'each entry needs "releases" (a map of release names) or, in the legacy shape, "release"',
      );
    }
  });
  const all = [...targets, ...legacyToTargets(source, legacy)];
  return {
    file: source.file,
    shape: legacy.length > 0 && targets.length === 0 ? 'legacy' : 'releases',
    releases: normalizeTargets(source, all),
    supervisionRules: [],
    lineOf: source.lineOf,
  };
}

/** Validates entry `i` of the top-level list with `schema`, keeping paths relative to the file. */
function parseEntry<S extends z.ZodType>(source: YamlSource, i: number, schema: S): z.infer<S> {
  const atIndex = z.array(z.unknown()).superRefine((list, ctx) => {
    const result = schema.safeParse(list[i]);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: [i, ...issue.path] } as never);
  });
  parseWith(source, atIndex);
  return schema.parse((source.data as unknown[])[i]);
}

/**
 * The legacy shape has one entry per release; `canary: X` adds release X in stage canaries with
 * the same flavours, and `debug: true` puts the release in stage testservers.
 */
function legacyToTargets(source: YamlSource, entries: { entry: LegacyEntry; path: FieldPath }[]): { target: Target; path: FieldPath }[] {
  const byNamespace = new Map<string, { target: Target; path: FieldPath }>();
  for (const { entry, path } of entries) {
    let group = byNamespace.get(entry.namespace);
    if (!group) {
      group = { target: { namespace: entry.namespace, releases: Object.create(null) as Target['releases'], mw_flavour: entry.mw_flavour, web_flavour: entry.web_flavour }, path };
      byNamespace.set(entry.namespace, group);
    }
    const add = (name: string, fields: z.infer<typeof ReleaseFields>, field: FieldPath) => {
      if (group.target.releases[name]) {
        throw new ConfigError({ file: source.file, field: fieldPath(field), line: source.lineOf(field) }, `release "${name}" of namespace "${entry.namespace}" is listed twice`);
      }
      group.target.releases[name] = fields;
    };
    const flavours = { mw_flavour: entry.mw_flavour, web_flavour: entry.web_flavour };
    add(entry.release, { ...flavours, stage: entry.debug ? 'testservers' : 'production' }, [...path, 'release']);
    if (entry.canary) add(entry.canary, { ...flavours, stage: 'canaries' }, [...path, 'canary']);
  }
  return [...byNamespace.values()];
}

function normalizeTargets(source: YamlSource, targets: { target: Target; path: FieldPath }[]): ReleaseSpec[] {
  const seen = new Map<string, FieldPath>(); // `${cluster}/${namespace}` -> target path
  const releases: ReleaseSpec[] = [];
  for (const { target, path } of targets) {
    const clusters = target.clusters ?? DEFAULT_CLUSTERS;
    const clustersPath: FieldPath = target.clusters ? [...path, 'clusters'] : [...path, 'namespace'];
    for (const cluster of clusters) {
      const key = `${cluster}/${target.namespace}`;
      const earlier = seen.get(key);
      if (earlier) {
        const at = [...path, 'namespace'];
        throw new ConfigError(
          { file: source.file, field: fieldPath(at), line: source.lineOf(at) },
          `namespace "${target.namespace}" appears twice in cluster ${cluster} (also at ${fieldPath(earlier)}, line ${source.lineOf(earlier)}); a namespace may appear once per cluster`,
        );
      }
      seen.set(key, path);
      for (const [name, fields] of Object.entries(target.releases)) {
        const own = fields ?? {};
        const releasePath: FieldPath = [...path, 'releases', name];
        const tooLong = releaseNameProblem(name);
        if (tooLong) throw new ConfigError({ file: source.file, field: fieldPath(releasePath), line: source.lineOf(releasePath) }, tooLong);
        const pick = (key: 'mw_flavour' | 'web_flavour' | 'mw_kind'): FieldPath => (own[key] !== undefined ? [...releasePath, key] : [...path, key]);
        const flavour = (key: 'mw_flavour' | 'web_flavour'): string => {
          const value = own[key] ?? target[key];
          if (value !== undefined) return value;
          const at = [...releasePath, key];
          throw new ConfigError({ file: source.file, field: fieldPath(at), line: source.lineOf(releasePath) }, `is required: set ${key} on the release or on its target (${fieldPath([...path, key])})`);
        };
        releases.push({
          cluster,
          namespace: target.namespace,
          release: name,
          stage: own.stage ?? (target.debug ? 'testservers' : 'production'),
          deploy: own.deploy ?? true,
          mwKind: own.mw_kind ?? target.mw_kind ?? DEFAULT_MW_KIND,
          mwFlavour: flavour('mw_flavour'),
          webFlavour: flavour('web_flavour'),
          scope: target.scope,
          dir: target.dir,
          origin: { release: releasePath, mwFlavour: pick('mw_flavour'), webFlavour: pick('web_flavour'), mwKind: pick('mw_kind'), clusters: clustersPath },
        });
      }
    }
  }
  return releases.sort(compareReleases);
}

/** Cluster, then stage order, then namespace, then release. */
export function compareReleases(a: Pick<ReleaseSpec, 'cluster' | 'stage' | 'namespace' | 'release'>, b: typeof a): number {
  return (
    cmp(a.cluster, b.cluster) || stageIndex(a.stage) - stageIndex(b.stage) || cmp(a.namespace, b.namespace) || cmp(a.release, b.release)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A rule whose scope no target has supervises nothing: almost certainly a typo. */
function checkRuleScopes(source: YamlSource, rules: z.infer<typeof Rule>[], targets: Target[]): void {
  const scopes = [...new Set(targets.flatMap((t) => (t.scope === undefined ? [] : [t.scope])))].sort();
  rules.forEach((rule, i) => {
    if (scopes.includes(rule.scope)) return;
    const path = ['supervision_rules', i, 'scope'];
    const known = scopes.length ? `the targets' scopes are ${scopes.map((s) => JSON.stringify(s)).join(', ')}` : 'no target has a scope';
    throw new ConfigError({ file: source.file, field: fieldPath(path), line: source.lineOf(path) }, `scope ${JSON.stringify(rule.scope)} matches no deployment target (${known}), so the rule would supervise nothing`);
  });
}

function normalizeRules(rules: z.infer<typeof Rule>[]): SupervisionRule[] {
  return rules.map((rule) => ({
    scope: rule.scope,
    stages: Object.fromEntries(
      Object.entries(rule.stages).map(([stage, checks]) => [
        stage,
        (checks ?? []).map((check): SupervisionCheck =>
          'logstash_check' in check ? { kind: 'logstash', ...check.logstash_check } : { kind: 'commands', commands: check.commands },
        ),
      ]),
    ),
  }));
}
