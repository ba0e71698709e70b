/**
 * checkRenderedContent finds each config file through the pods' mounts and hands it to its program:
 * production's renders pass; the gaps issue 12 names (sites-enabled hidden, env vars that are not
 * .inc files, an envoy field on the wrong message) are reported with file, object and field.
 */
import { stringify } from 'yaml';
import { readYamlDocument } from '../../config/yaml-stream.js';
import { checkRenderedContent } from '../../validate/programs/index.js';
import { productionRelease } from './production.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

type Any = any; // objects are edited freely

const clone = <T>(v: T): T => structuredClone(v);

describe('content checks on a rendered tree', () => {
  test.each([
    ['mw-web', 'main'],
    ['mw-jobrunner', 'main'],
  ])("production's %s/%s passes every program, none skipped", (namespace, release) => {
    const r = productionRelease(namespace, release);
    const result = checkRenderedContent([{ path: r.file, objects: r.objects }]);
    expect(result).toMatchObject({ violations: [], skipped: [] });
    expect(Object.keys(result.checked).sort()).toEqual(['apache2', 'envoy', 'php-fpm8.2', 'rsyslogd']);
  });

  test('the gaps of our render are each reported where they are', () => {
    const r = productionRelease('mw-web', 'main');
    const objects: Any[] = clone(r.objects) as Any[];
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const httpd = deployment.spec.template.spec.containers.find((c: Any) => c.volumeMounts?.some((m: Any) => m.mountPath.startsWith('/etc/apache2/sites-enabled/')));
    // One ConfigMap over the whole sites-enabled folder instead of a subPath per site.
    const siteMounts = httpd.volumeMounts.filter((m: Any) => m.mountPath.startsWith('/etc/apache2/sites-enabled/'));
    httpd.volumeMounts = [...httpd.volumeMounts.filter((m: Any) => !siteMounts.includes(m)), { name: siteMounts[0].name, mountPath: '/etc/apache2/sites-enabled' }];
    // php env as KEY: value data instead of an .inc file.
    const envvars = objects.find((o) => o.kind === 'ConfigMap' && /php-envvars$/.test(o.metadata.name));
    envvars.data = { MCROUTER_SERVER: '10.64.72.12:4442' };
    // request_headers_to_add moved from route_config up to the HttpConnectionManager.
    const envoyCm = objects.find((o) => o.kind === 'ConfigMap' && /envoy-config/.test(o.metadata.name));
    const bootstrap = readYamlDocument(envoyCm.data['envoy.yaml']) as any;
    const hcm = bootstrap.static_resources.listeners[2].filter_chains[0].filters[0].typed_config;
    hcm.request_headers_to_add = [{ header: { key: 'x-client-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } }];
    envoyCm.data['envoy.yaml'] = stringify(bootstrap);

    const result = checkRenderedContent([{ path: r.file, objects }]);
    const found = result.violations.map((v) => [v.program, v.object, v.field]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['envoy', `ConfigMap ${envoyCm.metadata.name} data.envoy.yaml`, 'static_resources.listeners[2].filter_chains[0].filters[0].typed_config.request_headers_to_add'],
        ['apache2', `Deployment ${deployment.metadata.name} container ${httpd.name}`, expect.stringMatching(/^spec\.template\.spec\.containers\[\d+\]\.volumeMounts\[\d+\]$/)],
        ['php-fpm8.2', `ConfigMap ${envvars.metadata.name} data.MCROUTER_SERVER`, expect.stringMatching(/volumeMounts/)],
      ]),
    );
    expect(result.violations.find((v) => v.program === 'apache2')!.message).toContain('hiding the image');
  });
});

test('a config shared by many releases runs its program once, and each release gets its own violation', () => {
  const r = productionRelease('mw-jobrunner', 'main');
  const objects: Any[] = clone(r.objects) as Any[];
  const rsyslog = objects.find((o) => o.kind === 'ConfigMap' && /rsyslog-config$/.test(o.metadata.name));
  rsyslog.data['30-extra.conf'] = 'input(type="imudp" prot="10515")\n';
  const one = checkRenderedContent([{ path: 'eqiad/mw-jobrunner/main/manifest.yaml', objects }]);
  const two = checkRenderedContent([
    { path: 'eqiad/mw-jobrunner/main/manifest.yaml', objects },
    { path: 'codfw/mw-jobrunner/main/manifest.yaml', objects },
  ]);
  expect(two.runs).toBe(one.runs);
  expect(two.violations).toHaveLength(2 * one.violations.length);
  expect(two.checked['rsyslogd']).toBe(2 * one.checked['rsyslogd']);
  const found = [...new Set(two.violations.filter((v) => v.program === 'rsyslogd' && v.line === 1).map((v) => JSON.stringify([v.file, v.object, v.field, v.line])))].map((j) => JSON.parse(j));
  const container = `Deployment ${objects.find((o) => o.kind === 'Deployment').metadata.name} container mediawiki-main-rsyslog`;
  expect(found).toEqual([
    ['codfw/mw-jobrunner/main/manifest.yaml', container, 'rsyslog.d/30-extra.conf', 1],
    ['eqiad/mw-jobrunner/main/manifest.yaml', container, 'rsyslog.d/30-extra.conf', 1],
  ]);
});
