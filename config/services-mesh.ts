/**
 * The service-mesh catalogue (environments/services.yaml): the egress listeners MediaWiki pods
 * call through their envoy sidecar (sessionstore, eventgate, shellbox, search, swift, mw-api-int …),
 * with the upstream each forwards to. Pure: text in, typed data (or a ConfigError) out.
 */
import { z } from 'zod';
import { UserError } from './errors.js';
import { parseWith, parseYamlSource } from './yaml-source.js';

/** An envoy duration as the chart writes it: `2.5s`, `86400s`. */
const Duration = z.string().regex(/^\d+(\.\d+)?s$/, 'must be a duration in seconds, e.g. "2.5s"');
const Port = z.number().int().min(1).max(65535);
const Cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be an address block, e.g. 10.2.1.20/32');

export const MeshListener = z.strictObject({
  /** The listener and envoy cluster name, e.g. `sessionstore`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The pod-local port MediaWiki calls. */
  port: Port,
  /** Route timeout. */
  timeout: Duration,
  upstream: z.strictObject({
    /** DNS name of the service (discovery record or LVS service). */
    address: z.string().min(1),
    port: Port,
    /** Whether envoy speaks TLS to it. */
    tls: z.boolean(),
    /** Send the address as TLS SNI. @default false */
    sni: z.boolean().default(false),
    /** Upstream connection idle timeout (keepalive). */
    keepalive: Duration.optional(),
    /** Route idle timeout, for long streams (shellbox-video). */
    idle_timeout: Duration.optional(),
    /** Addresses behind `address`: the NetworkPolicy egress the pod needs. */
    ips: z.array(Cidr).min(1),
  }),
  /** Envoy retry policy: condition (`5xx`, `gateway-error`), attempts, per-try timeout. */
  retry: z.strictObject({ condition: z.string().min(1), attempts: z.number().int().min(1).optional(), per_try_timeout: Duration.optional() }).optional(),
  /** X-Forwarded-Proto to set, for upstreams that build URLs from it. */
  forwarded_proto: z.enum(['http', 'https']).optional(),
  /** Host header to send instead of the caller's. */
  host_header: z.string().optional(),
});
export type MeshListener = z.infer<typeof MeshListener>;

export const MeshCatalogue = z.strictObject({ listeners: z.array(MeshListener).min(1) }).superRefine((file, ctx) => {
  for (const key of ['name', 'port'] as const) {
    const seen = new Map<string | number, number>();
    file.listeners.forEach((l, i) => {
      const other = seen.get(l[key]);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['listeners', i, key], message: `${key} ${l[key]} is already used by listeners[${other}] (${file.listeners[other].name})` });
      else seen.set(l[key], i);
    });
  }
});
export type MeshCatalogue = z.infer<typeof MeshCatalogue>;

/** Parses the catalogue; a bad entry is a ConfigError naming the file, field and line. */
export function parseMeshCatalogue(file: string, text: string): MeshCatalogue {
  return parseWith(parseYamlSource(file, text), MeshCatalogue);
}

/** The listeners a namespace profile asks for, by name, in the profile's order; unknown names throw. */
export function meshListeners(catalogue: MeshCatalogue, names: readonly string[]): MeshListener[] {
  const byName = new Map(catalogue.listeners.map((l) => [l.name, l]));
  return names.map((n) => {
    const l = byName.get(n);
    if (!l) throw new UserError(`no service-mesh listener "${n}" in the catalogue (known: ${[...byName.keys()].join(', ')})`);
    return l;
  });
}
