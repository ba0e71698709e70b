/**
 * `apache2 -t` inside the webserver image's ServerRoot: production's sites and early config pass;
 * a broken directive fails naming the mounted file and line.
 */
import { checkApacheConfig } from '../../validate/programs/apache.js';
import { productionRelease } from './production.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const mwWebMain = productionRelease('mw-web', 'main');
const configMap = (pattern: RegExp): Record<string, string> => mwWebMain.objects.find((o) => o.kind === 'ConfigMap' && pattern.test(o.metadata.name))!.data;
const sites = configMap(/httpd-sites-config$/);
const early = configMap(/httpd-early-config$/);
const source = { file: mwWebMain.file, object: 'ConfigMap mw-web/mediawiki-main-httpd-sites-config' };

describe('apache2 -t with the image base config', () => {
  test("production's 10 site files and early config pass", () => {
    expect(Object.keys(sites)).toHaveLength(10);
    expect(checkApacheConfig({ sites, confEnabled: early }, source)).toEqual({ program: 'apache2', violations: [] });
  });

  test('a misspelled directive fails with the site file and its line', () => {
    const broken = sites['03-main.conf'].replace('    RewriteEngine On\n', '    RewriteEngine On\n    RewriteRul ^/x$ /y [L]\n');
    const line = broken.split('\n').indexOf('    RewriteRul ^/x$ /y [L]') + 1;
    const result = checkApacheConfig({ sites: { ...sites, '03-main.conf': broken } }, source);
    expect(result.violations).toEqual([
      { program: 'apache2', ...source, field: 'sites-enabled/03-main.conf', line, message: expect.stringContaining("Invalid command 'RewriteRul'") },
    ]);
  });

  test('a site that needs a module the image does not enable fails', () => {
    const result = checkApacheConfig({ sites: { '05-x.conf': '<VirtualHost *:8080>\n  ServerName x\n  SSLEngine on\n</VirtualHost>\n' } }, source);
    expect(result.violations[0]).toMatchObject({ field: 'sites-enabled/05-x.conf', line: 3, message: expect.stringContaining('SSLEngine') });
  });

  test('a broken early config is named as conf-enabled', () => {
    const result = checkApacheConfig({ sites, confEnabled: { '00-aaa.conf': '# early\nRewriteEngine maybe\n' } }, source);
    expect(result.violations[0]).toMatchObject({ field: 'conf-enabled/00-aaa.conf', line: 2, message: expect.stringContaining('RewriteEngine') });
  });
});
