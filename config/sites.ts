/**
 * The site catalogue (environments/sites.yaml): Wikimedia's MediaWiki virtual hosts as data, one
 * entry per wiki domain or domain family. config/apache-sites.ts renders it into one Apache file per
 * site, mounted one by one into sites-enabled/ so the image's own vhosts stay. Pure.
 */
import { z } from 'zod';
import { parseWith, parseYamlSource } from './yaml-source.js';

const Hostname = z.string().regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a host name (optionally *.domain)');
/** A folder under the docroot base (/srv/mediawiki/docroot in the image). */
const Docroot = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a folder name under docroot_base');
/** One Apache directive (or comment) line, written as it is. */
const Directive = z.string().refine((l) => !l.includes('\n'), 'must be one line');

/** A wiki vhost: everything the standard MediaWiki rewrites need to know. */
export const WikiVhost = z.strictObject({
  /** Unique in the catalogue; the ServerName unless `server_name` is given. */
  name: z.string().min(1),
  /** @default name */
  server_name: Hostname.or(z.string().regex(/^[a-z0-9-]+$/)).optional(),
  /** ServerAlias entries, e.g. `*.wikipedia.org`. */
  aliases: z.array(Hostname).optional(),
  docroot: Docroot,
  /** UseCanonicalName On (only written when there are aliases). @default false */
  canonical_name: z.boolean().default(false),
  /** Redirect plain http to https. @default false */
  https_only: z.boolean().default(false),
  /** robots.txt, `/`, favicon and touch icon served by MediaWiki. @default true */
  public_rewrites: z.boolean().default(true),
  /** UseMod `wiki.cgi` and phase-2 `wiki.phtml` URLs. @default true */
  legacy_rewrites: z.boolean().default(true),
  /** ShortUrl `/s/...`. @default false */
  short_urls: z.boolean().default(false),
  /** Wikibase entity, statement and property URIs. @default false */
  wikibase_rewrites: z.boolean().default(false),
  /** `/upload/...` redirects to upload.wikimedia.org/<prefix>/ (per language host when `per_host` is the domain). */
  uploads: z.strictObject({ prefix: z.string().regex(/^[a-z0-9./-]+$/), per_host: z.string().optional() }).optional(),
  /** Language-variant paths (`/zh-hans/Title`) handled by index.php. */
  variants: z.array(z.string().regex(/^[a-z]{2,3}(-[a-z]+)?$/)).optional(),
  /** Site-specific rewrite lines before (`early`) and after (`late`) the common ones. */
  rewrites: z.strictObject({ early: z.array(Directive).optional(), late: z.array(Directive).optional() }).optional(),
});
export type WikiVhost = z.infer<typeof WikiVhost>;

/** A vhost Wikimedia writes by hand (portals, redirects, the fallback): its directives as they are. */
export const LiteralVhost = z.strictObject({
  server_name: z.string().min(1),
  aliases: z.array(Hostname).optional(),
  docroot: Docroot.optional(),
  directives: z.array(Directive),
});
export type LiteralVhost = z.infer<typeof LiteralVhost>;

/** One Apache file, `<priority>-<file>.conf`, holding either wiki vhosts or literal ones. */
export const Site = z
  .strictObject({
    file: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a file name stem'),
    /** Orders the files (Apache picks the first matching vhost, and the first vhost for unknown hosts). */
    priority: z.number().int().min(0).max(99),
    vhosts: z.array(WikiVhost).optional(),
    literal: z.array(LiteralVhost).optional(),
  })
  .refine((s) => !(s.vhosts && s.literal), 'a site holds either vhosts or literal, not both');
export type Site = z.infer<typeof Site>;

export const SitesFile = z
  .strictObject({ sites: z.array(Site).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.sites.forEach((site, i) => {
      const name = siteFileName(site);
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'file'], message: `renders ${name} like sites[${seen.get(name)}]` });
      seen.set(name, i);
    });
    const hosts = new Map<string, string>();
    file.sites.forEach((site, i) =>
      (site.vhosts ?? []).forEach((v, j) => {
        for (const host of [v.server_name ?? v.name, ...(v.aliases ?? [])]) {
          const where = `sites[${i}].vhosts[${j}]`;
          const other = hosts.get(host);
          if (other) ctx.addIssue({ code: 'custom', path: ['sites', i, 'vhosts', j], message: `host ${host} is already served by ${other}` });
          else hosts.set(host, where);
        }
      }),
    );
  });
export type SitesFile = z.infer<typeof SitesFile>;

/** `03-main.conf`: the file name the chart and the pod mount use. */
export function siteFileName(site: Pick<Site, 'file' | 'priority'>): string {
  return `${String(site.priority).padStart(2, '0')}-${site.file}.conf`;
}

/** The catalogue narrowed to the named site files (a profile's `sites`), in catalogue order. */
export function selectSites(catalogue: SitesFile, files: readonly string[]): SitesFile {
  const wanted = new Set(files);
  return { sites: catalogue.sites.filter((s) => wanted.has(s.file)) };
}

/** Parses the catalogue; a bad entry is a ConfigError naming the file, field and line. */
export function parseSites(file: string, text: string): SitesFile {
  return parseWith(parseYamlSource(file, text), SitesFile);
}
