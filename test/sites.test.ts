/**
 * The site catalogue (environments/sites.yaml) renders Wikimedia's 73 vhosts: the same directives
 * as production's httpd-sites ConfigMap, accepted by apache2 -t in the webserver image, and served
 * for real by Apache and php-fpm on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueHosts, renderApacheSites } from '../config/apache-sites.js';
import { ConfigError } from '../config/errors.js';
import { parseSites, type SitesFile } from '../config/sites.js';
import { checkApacheConfig } from '../validate/programs/apache.js';
import { PROJECT } from './support/cli.js';
import { productionRelease } from './programs/production.js';
import { startWebserverPod, webserverProgramsMissing, type WebserverPod } from './support/webserver-pod.js';

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

describe('site catalogue', () => {
  test('holds 73 vhosts in 10 site files', () => {
    expect(catalogue.sites).toHaveLength(10);
    expect(vhostCount(catalogue)).toBe(73);
    expect(catalogueHosts(catalogue)).toEqual(expect.arrayContaining(['wikipedia', '*.wikipedia.org', 'www.wikidata.org', 'commons.wikimedia.org']));
  });

  test("renders the directives of production's httpd-sites ConfigMap, file by file", () => {
    const production: Record<string, string> = productionRelease('mw-web', 'main').objects.find((o) => o.kind === 'ConfigMap' && /httpd-sites-config$/.test(o.metadata.name))!.data;
    const ours = renderApacheSites(catalogue);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(production).sort());
    for (const [name, prod] of Object.entries(production)) {
      const [a, b] = [directives(prod), directives(ours[name])];
      // Wiki vhosts come out in production's order; hand-written ones may place ServerName and DocumentRoot first.
      expect([name, [...b].sort()]).toEqual([name, [...a].sort()]);
    }
    expect(directives(ours['04-remnant.conf'])).toEqual(directives(production['04-remnant.conf']));
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

const missing = webserverProgramsMissing();
(missing.length ? describe.skip : describe)(`webserver pod smoke test${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  let pod: WebserverPod;
  beforeAll(async () => {
    const docroots = [...new Set(catalogue.sites.flatMap((s) => [...(s.vhosts ?? []), ...(s.literal ?? [])].map((v) => v.docroot).filter((d): d is string => !!d)))];
    pod = await startWebserverPod(docroots, (o) => renderApacheSites(catalogue, o));
  });
  afterAll(() => pod?.stop());

  test.each([
    ['A&B_(c)', '/wiki/A&B_(c)'],
    ['C++', '/wiki/C++'],
    ['Café_au_lait', '/wiki/Caf%C3%A9_au_lait'],
  ])('/wiki/%s on en.wikipedia.org reaches index.php with the title in the path, no ?title=', async (title, url) => {
    const res = await pod.get(pod.appPort, url, 'en.wikipedia.org');
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body);
    expect(seen).toMatchObject({ docroot: join(pod.docrootBase, 'wikipedia.org'), script: join(pod.docrootBase, 'wikipedia.org/w/index.php'), request_uri: url, query: '', get: {} });
    // MediaWiki reads the title from the path: what $wgArticlePath /wiki/$1 yields.
    expect(decodeURIComponent(seen.request_uri.slice('/wiki/'.length))).toBe(title);
  });

  test.each([
    ['www.mediawiki.org', 'mediawiki.org'],
    ['www.wikidata.org', 'wikidata.org'],
    ['de.wiktionary.org', 'wiktionary.org'],
    ['commons.wikimedia.org', 'wikimedia.org'],
    ['foundation.wikimedia.org', 'wikimediafoundation.org'],
  ])('%s reaches its docroot %s', async (host, docroot) => {
    const res = await pod.get(pod.appPort, '/w/index.php?title=Main_Page', host);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ docroot: join(pod.docrootBase, docroot), get: { title: 'Main_Page' } });
  });

  test('an upload path on a language wiki redirects to upload.wikimedia.org', async () => {
    const res = await pod.get(pod.appPort, '/upload/a/ab/X.png', 'fr.wikipedia.org');
    expect(res.status).toBe(302);
  });

  test("/healthz on the image's monitoring vhost answers 200", async () => {
    const res = await pod.get(pod.monitoringPort, '/healthz', 'localhost');
    expect(res).toEqual({ status: 200, body: 'ok\n' });
  });
});
