/**
 * The site catalogue (environments/sites.yaml) renders Wikimedia's 73 vhosts: the same directives
 * as production's httpd-sites ConfigMap, accepted by apache2 -t in the webserver image. The pod
 * smoke test that serves them for real is test/programs/pod-config.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueHosts, renderApacheSites } from '../config/apache-sites.js';
import { ConfigError } from '../config/errors.js';
import { parseSites, selectSites, type SitesFile } from '../config/sites.js';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { COLLAPSED, IMAGES, SERVICES, SITES } from './support/fixtures.js';
import { checkApacheConfig } from '../validate/programs/apache.js';
import { PROJECT } from './support/cli.js';
import { productionRelease } from './programs/production.js';
import './support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const FILE = 'environments/sites.yaml';
const text = readFileSync(join(PROJECT, FILE), 'utf8');
const catalogue = parseSites(FILE, text);
const vhostCount = (c: SitesFile): number => c.sites.reduce((n, s) => n + (s.vhosts?.length ?? 0) + (s.literal?.length ?? 0), 0);
/** A file's directives without comments, blank lines and indentation, as Apache reads them. */
const directives = (t: string): string[] =>
  t
    .replaceAll('${APACHE_RUN_PORT}', '8080')
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' ').replace(/"/g, ''))
    .filter((l) => l && !l.startsWith('#'));

const { profiles } = environments;
const mwWeb = profiles.find((p) => p.namespace === 'mw-web')!;

describe('site catalogue', () => {
  test("holds production's 73 wiki vhosts in 10 site files, and mw-jobrunner's own", () => {
    expect(catalogue.sites).toHaveLength(11);
    expect(vhostCount(catalogue)).toBe(74);
    expect(vhostCount(selectSites(catalogue, mwWeb.sites))).toBe(73);
    expect(catalogueHosts(catalogue)).toEqual(expect.arrayContaining(['wikipedia', '*.wikipedia.org', 'www.wikidata.org', 'commons.wikimedia.org']));
  });

  test("renders the directives of production's httpd-sites ConfigMap, file by file", () => {
    const production: Record<string, string> = productionRelease('mw-web', 'main').objects.find((o) => o.kind === 'ConfigMap' && /httpd-sites-config$/.test(o.metadata.name))!.data;
    const ours = renderApacheSites(selectSites(catalogue, mwWeb.sites));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(production).sort());
    for (const [name, prod] of Object.entries(production)) {
      const [a, b] = [directives(prod), directives(ours[name])];
      // Wiki vhosts come out in production's order; hand-written ones may place ServerName and DocumentRoot first.
      expect([name, [...b].sort()]).toEqual([name, [...a].sort()]);
    }
    expect(directives(ours['04-remnant.conf'])).toEqual(directives(production['04-remnant.conf']));
  });

  test("mw-jobrunner serves only its own site, with production's directives", () => {
    const jobrunner = profiles.find((p) => p.namespace === 'mw-jobrunner')!;
    const production: Record<string, string> = productionRelease('mw-jobrunner', 'main').objects.find((o) => o.kind === 'ConfigMap' && /httpd-sites-config$/.test(o.metadata.name))!.data;
    const ours = renderApacheSites(selectSites(catalogue, jobrunner.sites));
    expect(Object.keys(ours)).toEqual(['00-mw-jobrunner.conf']);
    // Apache reads directive names case-insensitively (production writes Virtualhost, Servername).
    const lower = (t: string) => directives(t).map((l) => l.replace(/^(<\/?\w+|\w+)/, (d) => d.toLowerCase()));
    expect(lower(ours['00-mw-jobrunner.conf']).sort()).toEqual(lower(production['00-mw-jobrunner.conf']).flatMap((l) => (l.startsWith('serveralias ') ? l.split(' ').slice(1).map((a) => `serveralias ${a}`) : [l])).sort());
  });

  test('a profile naming a site the catalogue does not have is a config error naming both files', () => {
    const typed = { ...environments, profiles: environments.profiles.map((p) => (p.namespace === 'mw-api-int' ? { ...p, sites: [...p.sites, 'mian'] } : p)) };
    const load = () => parseInputs({ deployments: { file: 'deployments.yaml', text: COLLAPSED }, images: { file: 'images.yaml', text: IMAGES }, sites: SITES, services: SERVICES }, typed);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^environments\/profiles\.ts: \[2\]\.sites\[10\]: mw-api-int serves site "mian", which environments\/sites\.yaml does not have; its sites: foundation, main, /);
  });

  test('rendering is deterministic', () => {
    expect(JSON.stringify(renderApacheSites(parseSites(FILE, text)))).toBe(JSON.stringify(renderApacheSites(catalogue)));
  });

  test('every rendered site passes apache2 -t with the image base config', () => {
    const result = checkApacheConfig({ sites: renderApacheSites(catalogue) }, { file: FILE });
    expect(result.skipped).toBeUndefined();
    expect(result.violations).toEqual([]);
  });

  test('adding a wiki domain is one catalogue entry', () => {
    const added = text.replace('  vhosts:\n  - name: meta.wikimedia.org\n', '  vhosts:\n  - name: newwiki.wikimedia.org\n    docroot: wikimedia.org\n    short_urls: true\n  - name: meta.wikimedia.org\n');
    expect(added).not.toBe(text);
    const sites = renderApacheSites(parseSites(FILE, added));
    expect(sites['04-remnant.conf']).toContain('ServerName newwiki.wikimedia.org');
    expect(checkApacheConfig({ sites }, { file: FILE }).violations).toEqual([]);
  });

  test('a bad entry names the file, field and line', () => {
    const bad = text.replace('  - name: meta.wikimedia.org\n', '  - name: meta.wikimedia.org\n    docroots: wikimedia.org\n');
    const line = bad.split('\n').indexOf('    docroots: wikimedia.org') + 1;
    expect(() => parseSites(FILE, bad)).toThrow(ConfigError);
    expect(() => parseSites(FILE, bad)).toThrow(`${FILE}:${line}: sites[4].vhosts[0].docroots: unknown field "docroots"`);
  });

  test('two entries serving one host are refused', () => {
    const dup = text.replace('  - name: meta.wikimedia.org\n', '  - name: meta.wikimedia.org\n    docroot: wikimedia.org\n  - name: commons.wikimedia.org\n');
    expect(() => parseSites(FILE, dup)).toThrow(/host commons.wikimedia.org is already served/);
  });
});
