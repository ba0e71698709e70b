/**
 * Our render of the web-serving pod, read by the programs that read it in production: the httpd
 * sites and early config through `apache2 -t`, the php env files through `php-fpm -t`, each found
 * through the pod's own mounts; then a real Apache and php-fpm on 127.0.0.1 serving with the
 * rendered ConfigMaps (sites, 00-aaa.conf, envvars.inc) and a stub docroot.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as environments from '../../environments/index.js';
import { parseInputs } from '../../render/inputs.js';
import { renderProject } from '../../render/render.js';
import { checkRenderedContent } from '../../validate/programs/index.js';
import { PROJECT } from '../support/cli.js';
import { SERVICES, SITES } from '../support/fixtures.js';
import { startWebserverPod, webserverProgramsMissing, type WebserverPod } from '../support/webserver-pod.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

type Any = any; // rendered Kubernetes objects

const read = (name: string) => ({ file: `environments/${name}`, text: readFileSync(join(PROJECT, 'environments', name), 'utf8') });
const inputs = parseInputs({ deployments: read('deployments.yaml'), images: read('images.yaml'), sites: SITES, services: SERVICES }, environments);
const wanted = new Set(['eqiad/mw-web/main', 'eqiad/mw-debug/pinkunicorn']);
const render = renderProject(inputs, { only: (r) => wanted.has(`${r.cluster}/${r.namespace}/${r.release}`) });
const manifest = (path: string) => render.files.find((f) => f.path === path)!;

/** The data of the ConfigMap a container mounts at `mountPath` (or at a file under it). */
function mounted(objects: readonly Any[], container: string, mountPath: string): Record<string, string> {
  const workload = objects.find((o) => o.spec?.template?.spec);
  const spec = workload.spec.template.spec;
  const mounts = spec.containers.find((c: Any) => c.name.endsWith(`-${container}`)).volumeMounts.filter((m: Any) => m.mountPath === mountPath || m.mountPath.startsWith(`${mountPath}/`));
  const files: Record<string, string> = {};
  for (const m of mounts) {
    const cmName = spec.volumes.find((v: Any) => v.name === m.name).configMap.name;
    const data = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName).data;
    if (m.subPath !== undefined) files[m.subPath] = data[m.subPath];
    else Object.assign(files, data);
  }
  return files;
}

describe.each(['eqiad/mw-web/main/manifest.yaml', 'eqiad/mw-debug/pinkunicorn/manifest.yaml'])('%s', (path) => {
  test('every site and the early config pass apache2 -t, and envvars.inc passes php-fpm -t, next to the image files', () => {
    const result = checkRenderedContent([manifest(path)]);
    // The envoy bootstrap and rsyslog belong to other checks; this file is about httpd and php.
    const ours = result.violations.filter((v) => v.program === 'apache2' || v.program === 'php-fpm8.2');
    expect(ours).toEqual([]);
    expect(result.skipped.filter((s) => /apache2|php-fpm/.test(s))).toEqual([]);
    // 10 wiki sites + 00-aaa.conf, one envvars.inc: each mounted on its own, so the image's stay.
    expect(result.checked).toMatchObject({ apache2: 11, 'php-fpm8.2': 1 });
  });
});

test('mw-debug mounts the password-gated /w/debug pages; no page dumps the environment', () => {
  const pages = mounted(manifest('eqiad/mw-debug/pinkunicorn/manifest.yaml').objects, 'app', '/srv/mediawiki/w/debug');
  expect(Object.keys(pages).sort()).toEqual(['common.php', 'env.php', 'globals.php', 'ini_get.php']);
  expect(pages['common.php']).toContain("require_once '/srv/mediawiki/private/FatalErrorSettings.php';");
  expect(pages['common.php']).toContain('hash_equals( $fatalErrorPassword, $password )');
  for (const page of ['env.php', 'globals.php', 'ini_get.php']) {
    expect(pages[page]).toContain('checkCredentials();');
    expect(pages[page]).not.toMatch(/getenv\(\s*\)|var_dump\(\s*\$_SERVER\s*\)|HTTP_X_WIKIMEDIA_DEBUG/);
  }
});

const missing = webserverProgramsMissing();
(missing.length ? describe.skip : describe)(`pod smoke test with the rendered mw-web main ConfigMaps${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  const { objects } = manifest('eqiad/mw-web/main/manifest.yaml');
  const sites = mounted(objects, 'httpd', '/etc/apache2/sites-enabled');
  const early = mounted(objects, 'httpd', '/etc/apache2/conf-enabled');
  const phpEnv = mounted(objects, 'app', '/etc/php/8.3/fpm/env');
  const appEnv: Record<string, string> = Object.fromEntries(
    (objects.find((o) => o.kind === 'Rollout') as Any).spec.template.spec.containers.find((c: Any) => c.name.endsWith('-app')).env.map((e: Any) => [e.name, e.value]),
  );
  const docroots = [...new Set(Object.values(sites).flatMap((t) => [...t.matchAll(/DocumentRoot \/srv\/mediawiki\/docroot\/(\S+)/g)].map((m) => m[1])))];
  let pod: WebserverPod;
  beforeAll(async () => {
    // The rendered files as they are, moved to the test's port, docroot and socket (as the image files are).
    pod = await startWebserverPod(docroots, (o) =>
      Object.fromEntries(
        Object.entries(sites).map(([name, text]) => [
          name,
          text.replaceAll('<VirtualHost *:8080>', `<VirtualHost *:${o.port}>`).replaceAll('/srv/mediawiki/docroot', o.docrootBase).replaceAll('unix:/run/shared/fpm-www.sock|fcgi://localhost', o.fcgiEndpoint),
        ]),
      ),
      { confEnabled: early, phpEnv, appEnv },
    );
  });
  afterAll(() => pod?.stop());

  /** mw-debug's rendered /w/debug pages in the wikipedia.org docroot, reading a password file of the test's. */
  function installDebugPages(): void {
    const privateDir = join(pod.docrootBase, '..', 'private');
    mkdirSync(privateDir, { recursive: true });
    writeFileSync(join(privateDir, 'FatalErrorSettings.php'), "<?php\n$fatalErrorPassword = 'correct horse';\n");
    const debugDir = join(pod.docrootBase, 'wikipedia.org', 'w', 'debug');
    mkdirSync(debugDir, { recursive: true });
    const pages = mounted(manifest('eqiad/mw-debug/pinkunicorn/manifest.yaml').objects, 'app', '/srv/mediawiki/w/debug');
    for (const [name, text] of Object.entries(pages)) writeFileSync(join(debugDir, name), text.replaceAll('/srv/mediawiki/private', privateDir));
  }

  test('the /w/debug pages answer only with the password, not to an X-Wikimedia-Debug header', async () => {
    installDebugPages();
    const page = '/w/debug/env.php?value=MCROUTER_SERVER';
    const refused = [
      await pod.get(pod.appPort, page, 'en.wikipedia.org', { 'X-Wikimedia-Debug': 'backend=mw-debug1001' }),
      await pod.get(pod.appPort, `${page}&password=wrong`, 'en.wikipedia.org'),
      await pod.get(pod.appPort, `${page}&password=`, 'en.wikipedia.org'),
    ];
    for (const res of refused) expect(res).toEqual({ status: 403, body: 'Invalid password' });
    const allowed = await pod.get(pod.appPort, `${page}&password=correct%20horse`, 'en.wikipedia.org');
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain(`"${appEnv.MCROUTER_SERVER}"`);
  });

  test('the rendered pod mounts ten sites, the early config and envvars.inc', () => {
    expect(Object.keys(sites)).toHaveLength(10);
    expect(Object.keys(early)).toEqual(['00-aaa.conf']);
    expect(Object.keys(phpEnv)).toEqual(['envvars.inc']);
  });

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

  test("php-fpm passes the container's MCROUTER_SERVER to MediaWiki (envvars.inc)", async () => {
    const seen = JSON.parse((await pod.get(pod.appPort, '/w/index.php', 'en.wikipedia.org')).body);
    expect(seen.mcrouter_server).toBe(appEnv.MCROUTER_SERVER);
  });

  test('the early config takes the client IP from X-Client-IP, set by the TLS proxy on 127.0.0.1', async () => {
    const seen = JSON.parse((await pod.get(pod.appPort, '/w/index.php', 'en.wikipedia.org', { 'X-Client-IP': '198.51.100.7' })).body);
    expect(seen.remote_addr).toBe('198.51.100.7');
  });

  test("/healthz on the image's monitoring vhost answers 200", async () => {
    const res = await pod.get(pod.monitoringPort, '/healthz', 'localhost');
    expect(res).toEqual({ status: 200, body: 'ok\n' });
  });
});
