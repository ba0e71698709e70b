/** Name rules shared by every input: what Kubernetes, OCI registries and git accept. */
import { z } from 'zod';

/** RFC 1123 label: namespaces, release names, clusters. Rejects `../x`, upper case, dots. */
export const DnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters (a DNS label)')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit');

/** OCI distribution spec tag. */
export const OciTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'must be a valid OCI image tag: letters, digits, "_", "." and "-", at most 128 characters, not starting with "." or "-"');

export const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be a sha256 digest: "sha256:" followed by 64 lower-case hex digits');

/** Flavour names end up in tags and bot branch names. */
export const FlavourName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a flavour name: lower-case letters, digits, ".", "_" and "-"');

/** A repository path inside a registry, e.g. `restricted/mediawiki-multiversion`. */
export const RepositoryPath = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be an image repository path such as "restricted/mediawiki-multiversion"');

/** An image kind (`image`, `debug-image`, `cli-image`): a key of mw_kinds in images.yaml. */
export const ImageKind = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be an image kind such as "image", "debug-image" or "cli-image"');

/** A registry host[:port]. */
export const RegistryHost = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/, 'must be a registry host name such as "docker-registry.discovery.wmnet"')
  .refine((host) => {
    const port = /:([0-9]+)$/.exec(host)?.[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  }, 'must have a port from 1 to 65535');

/**
 * A mapping keyed by names (releases, flavours, image kinds). zod's record skips a `__proto__` key
 * unchecked and returns an object whose prototype answers `constructor` or `toString`; this checks
 * `__proto__` like any key and returns a map with no prototype, so a lookup finds only names.
 */
export function nameMap<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return withoutPrototype(key, z.record(key, value));
}

/** nameMap where `key` is an enum and not every member need be present. */
export function partialNameMap<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return withoutPrototype(key, z.partialRecord(key, value));
}

function withoutPrototype<R extends z.ZodType<object>>(key: z.core.$ZodType, record: R) {
  const protoKey = z.unknown().superRefine((input, ctx) => {
    if (input === null || typeof input !== 'object' || !Object.hasOwn(input, '__proto__')) return;
    const result = z.safeParse(key, '__proto__');
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: result.success ? 'cannot be used as a name' : result.error.issues[0].message });
  });
  return protoKey.pipe(record).transform((map) => Object.assign(Object.create(null) as z.output<R>, map));
}

/**
 * The longest names constructs/ derives from a release name, with their Kubernetes limits:
 * containers are DNS-1123 labels (mediawiki-pod.ts), Services DNS-1035 labels
 * (mediawiki-release.ts). ConfigMap and other object names may have 253 characters, which no
 * DNS-label release name reaches.
 */
const DERIVED_NAMES = [
  { kind: 'container', prefix: 'mediawiki-', suffix: '-mcrouter-exporter', limit: 63 },
  { kind: 'Service', prefix: 'mediawiki-', suffix: '-tls-service', limit: 63 },
] as const;

/** The longest release name whose derived names all fit. */
export const MAX_RELEASE_NAME = Math.min(...DERIVED_NAMES.map((d) => d.limit - d.prefix.length - d.suffix.length));

/** Why `release` is too long for a name derived from it, or undefined when every one fits. */
export function releaseNameProblem(release: string): string | undefined {
  for (const { kind, prefix, suffix, limit } of DERIVED_NAMES) {
    const derived = `${prefix}${release}${suffix}`;
    if (derived.length > limit) {
      return `release name "${release}" has ${release.length} characters: the ${kind} name ${derived} would have ${derived.length}, over Kubernetes' limit of ${limit}; release names may have at most ${MAX_RELEASE_NAME} characters`;
    }
  }
  return undefined;
}
