/**
 * Renders the site catalogue (config/sites.ts) into Apache files, one per site, as the pod mounts
 * them into /etc/apache2/sites-enabled/. Pure and deterministic: catalogue in, file texts out.
 *
 * Every wiki vhost gets MediaWiki's common rewrites: `/wiki/<title>` goes to `/w/index.php`
 * unchanged, so MediaWiki reads the title from the request path (a `?title=` rewrite would break
 * titles with `&` or `+`); static files of skins, resources and extensions go through static.php.
 */
import { siteFileName, type LiteralVhost, type SitesFile, type WikiVhost } from './sites.js';

export interface ApacheSitesOptions {
  /**
   * The port the vhosts listen on: a number, or `${APACHE_RUN_PORT}` to follow the image's env.
   * @default 8080 (the image's APACHE_RUN_PORT)
   */
  readonly port?: number | string;
  /** Where `docroot` folders live. @default "/srv/mediawiki/docroot" */
  readonly docrootBase?: string;
  /** Where php files go. @default "unix:/run/shared/fpm-www.sock|fcgi://localhost" (php-fpm's socket in the pod) */
  readonly fcgiEndpoint?: string;
  /** The top-level domain of upload.wikimedia.<suffix> math redirects. @default "org" */
  readonly domainSuffix?: string;
}

export const DEFAULT_DOCROOT_BASE = '/srv/mediawiki/docroot';
export const DEFAULT_FCGI_ENDPOINT = 'unix:/run/shared/fpm-www.sock|fcgi://localhost';

const INDENT = '    ';

/** Wikibase's RDF URIs (entity, statement, value, reference, prop) as redirects to the wiki. */
const WIKIBASE_REWRITES: readonly string[] = [
  '# Wikibase RDF URIs: statements (Lexeme forms and senses first), then entities and properties',
  'RewriteRule ^/entity/statement/(L\\d+)-([SF]\\d+)-(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:EntityData/$1#$1-$2\\$$3 [NE,R=303,L]',
  'RewriteRule ^/entity/statement/([QqPpL]\\d+)-(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:EntityData/$1#$1\\$$2 [NE,R=303,L]',
  'RewriteRule ^/entity/statement/([QpPpLM]\\d+) %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:EntityData/$1 [R=303,L]',
  'RewriteRule ^/value/(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:ListDatatypes [R=303,L]',
  'RewriteRule ^/reference/(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Help:Sources [R=303,L]',
  ...[
    'direct',
    'direct-normalized',
    'novalue',
    'statement/value',
    'statement/value-normalized',
    'qualifier/value',
    'qualifier/value-normalized',
    'reference/value',
    'reference/value-normalized',
    'statement',
    'qualifier',
    'reference',
  ].map((p) => `RewriteRule ^/prop/${p}/(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Property:$1 [R=303,L]`),
  'RewriteRule ^/prop/(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Property:$1 [R=303,L]',
  'RewriteRule ^/entity/E(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/EntitySchema:E$1 [R=303,QSA,L]',
  'RewriteRule ^/entity/(.*)$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:EntityData/$1 [R=303,QSA]',
];

/** Sets RW_PROTO to the client's protocol (from the TLS terminator), http when absent. */
const PROTOCOL_FROM_PROXY = ['RewriteRule . - [E=RW_PROTO:%{HTTP:X-Forwarded-Proto}]', 'RewriteCond %{ENV:RW_PROTO} !=https', 'RewriteRule . - [E=RW_PROTO:http]'];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function header(port: number | string, serverName: string, docroot: string | undefined, aliases: readonly string[] | undefined): string[] {
  return [
    `<VirtualHost *:${port}>`,
    `${INDENT}ServerName ${serverName}`,
    ...(docroot ? [`${INDENT}DocumentRoot ${docroot}`] : []),
    ...(aliases ?? []).map((a) => `${INDENT}ServerAlias ${a}`),
  ];
}

function wikiVhost(v: WikiVhost, o: Required<ApacheSitesOptions>): string[] {
  const body: string[] = [];
  if (v.aliases?.length) body.push(`UseCanonicalName ${v.canonical_name ? 'On' : 'Off'}`);
  body.push('AllowEncodedSlashes On', '', 'RewriteEngine On');
  if (v.https_only) {
    body.push('RewriteCond %{HTTP:X-Forwarded-Proto} !https', 'RewriteRule ^/(.*)$ https://%{SERVER_NAME}/$1 [R=301,L,NE]', 'RewriteRule . - [E=RW_PROTO:%{HTTP:X-Forwarded-Proto}]');
  } else {
    body.push(...PROTOCOL_FROM_PROXY);
  }
  if (v.uploads) {
    if (v.uploads.per_host) {
      body.push('# Uploads to the host-specific directory', `RewriteCond %{HTTP_HOST} ([a-z\\-]+)\\.${escapeRegex(v.uploads.per_host)}`);
      body.push(`RewriteRule ^/upload/(.*)$ %{ENV:RW_PROTO}://upload.wikimedia.org/${v.uploads.prefix}/%1/$1 [R=302]`);
    } else {
      body.push('# Uploads are offsite', `RewriteRule ^/upload/(.*)$ %{ENV:RW_PROTO}://upload.wikimedia.org/${v.uploads.prefix}/$1 [R=302]`);
    }
  }
  if (v.wikibase_rewrites) body.push(...PROTOCOL_FROM_PROXY, ...WIKIBASE_REWRITES);
  if (v.rewrites?.early?.length) body.push('# Custom rewrite rules (early)', ...v.rewrites.early);
  body.push(
    '',
    '# Common rewrite rules for all wikis',
    'RewriteRule ^/w/wiki.phtml$ /w/index.php [L,QSA,NE]',
    '# Primary wiki redirector: index.php reads the title from the request path',
    'RewriteRule ^/wiki(/.*)?$ /w/index.php [L]',
  );
  if (v.public_rewrites) {
    body.push(
      '# robots.txt, the main page, favicon and touch icon come from MediaWiki',
      'RewriteRule ^/robots\\.txt$ /w/robots.php [L]',
      'RewriteRule ^/$ /w/index.php',
      'RewriteRule ^/favicon\\.ico$ /w/favicon.php [L]',
      'RewriteRule ^/apple-touch-icon\\.png$ /w/touch.php [L]',
    );
  }
  body.push(
    '',
    '# Multiversion static files (T99096)',
    ...['/w/skins/.*', '/w/resources/.*', '/w/extensions/.*', '/w/COPYING', '/w/CREDITS'].map((p) => `RewriteRule ^${p}$ /w/static.php [PT]`),
    '',
    '# API listing',
    'RewriteRule ^/api$ %{ENV:RW_PROTO}://%{SERVER_NAME}/api/ [R=301]',
    '# Math compatibility mode',
    'RewriteCond %{ENV:RW_PROTO} !=""',
    `RewriteRule ^/math/(.*) %{ENV:RW_PROTO}://upload.wikimedia.${o.domainSuffix}/math/$1 [R=301]`,
    `RewriteRule ^/math/(.*) https://upload.wikimedia.${o.domainSuffix}/math/$1 [R=301]`,
  );
  if (v.short_urls) body.push('# ShortUrl', 'RewriteRule ^/s/.*$ /w/index.php');
  if (v.legacy_rewrites) {
    body.push(
      '# UseMod compatibility URLs',
      'RewriteCond %{QUERY_STRING} ([^&;]+)',
      'RewriteRule ^/wiki\\.cgi$ %{ENV:RW_PROTO}://%{SERVER_NAME}/w/index.php?title=%1 [R=301,L]',
      'RewriteRule ^/wiki\\.cgi$ %{ENV:RW_PROTO}://%{SERVER_NAME}/w/index.php [R=301,L]',
      '# Early phase 2 compatibility URLs',
      'RewriteRule ^/wiki\\.phtml$ %{ENV:RW_PROTO}://%{SERVER_NAME}/w/index.php [R=301,L]',
    );
  }
  if (v.rewrites?.late?.length) body.push('# Custom rewrite rules (late)', ...v.rewrites.late);
  if (v.variants?.length) body.push('# Language variants', ...v.variants.map((variant) => `RewriteRule ^/${variant} /w/index.php [L]`));
  body.push(
    '',
    '# Forbid accessing files under /w/extensions',
    'RewriteRule ^/w/extensions/.*\\.php - [F,L]',
    '<FilesMatch "\\.php$">',
    `${INDENT}SetHandler "proxy:${o.fcgiEndpoint}"`,
    '</FilesMatch>',
    '',
    'RewriteRule ^/\\.well-known/change-password$ %{ENV:RW_PROTO}://%{SERVER_NAME}/wiki/Special:ChangeCredentials/MediaWiki\\\\Auth\\\\PasswordAuthenticationRequest [R=302]',
  );
  return [
    `# VirtualHost for ${v.name}`,
    ...header(o.port, v.server_name ?? v.name, `${o.docrootBase}/${v.docroot}`, v.aliases),
    ...body.map((l) => (l ? INDENT + l : '')),
    '</VirtualHost>',
  ];
}

function literalVhost(v: LiteralVhost, o: Required<ApacheSitesOptions>): string[] {
  return [
    ...header(o.port, v.server_name, v.docroot ? `${o.docrootBase}/${v.docroot}` : undefined, v.aliases),
    ...v.directives.map((l) => (l ? INDENT + l : '')),
    '</VirtualHost>',
  ];
}

/** Every site's file, keyed by its sites-enabled name (`03-main.conf`), in priority order. */
export function renderApacheSites(catalogue: SitesFile, options: ApacheSitesOptions = {}): Record<string, string> {
  const o: Required<ApacheSitesOptions> = {
    port: options.port ?? 8080,
    docrootBase: options.docrootBase ?? DEFAULT_DOCROOT_BASE,
    fcgiEndpoint: options.fcgiEndpoint ?? DEFAULT_FCGI_ENDPOINT,
    domainSuffix: options.domainSuffix ?? 'org',
  };
  const files: Record<string, string> = {};
  for (const site of [...catalogue.sites].sort((a, b) => a.priority - b.priority || a.file.localeCompare(b.file))) {
    const blocks = [...(site.vhosts ?? []).map((v) => wikiVhost(v, o)), ...(site.literal ?? []).map((v) => literalVhost(v, o))];
    const intro = `# ${siteFileName(site)}: rendered from environments/sites.yaml (site "${site.file}")`;
    files[siteFileName(site)] = [intro, ...blocks.map((b) => ['', ...b].join('\n'))].join('\n') + '\n';
  }
  return files;
}

/** Every host name the catalogue serves (ServerName and ServerAlias), for certificates and tests. */
export function catalogueHosts(catalogue: SitesFile): string[] {
  const hosts = catalogue.sites.flatMap((s) => [...(s.vhosts ?? []).map((v) => [v.server_name ?? v.name, ...(v.aliases ?? [])]), ...(s.literal ?? []).map((v) => [v.server_name, ...(v.aliases ?? [])])].flat());
  return [...new Set(hosts)].sort();
}
