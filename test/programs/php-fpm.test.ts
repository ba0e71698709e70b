/** `php-fpm8.2 -t` with env `.inc` files mounted next to the image's own includes. */
import { checkPhpFpmConfig, narrowPhpFpmInput } from '../../validate/programs/php-fpm.js';
import { configMapEntry, productionRelease } from './production.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const mwWebMain = productionRelease('mw-web', 'main');
const envvars = configMapEntry(mwWebMain, /php-envvars$/, 'envvars.inc');
const source = { file: mwWebMain.file, object: 'ConfigMap mw-web/mediawiki-main-php-envvars' };
const containerEnv = { MCROUTER_SERVER: '10.64.72.12:4442', STATSD_EXPORTER_PROMETHEUS_SERVICE_HOST: '10.67.1.1' };

describe('php-fpm -t with the image pool', () => {
  test("production's envvars.inc passes when the container sets the variables it reads", () => {
    expect(checkPhpFpmConfig({ env: { 'envvars.inc': envvars }, containerEnv }, source)).toEqual({ program: 'php-fpm8.2', violations: [] });
  });

  test('a variable the container does not set is named', () => {
    const result = checkPhpFpmConfig({ env: { 'envvars.inc': envvars }, containerEnv: { MCROUTER_SERVER: '10.64.72.12:4442' } }, source);
    expect(result.violations).toEqual([
      { program: 'php-fpm8.2', ...source, field: 'env/envvars.inc', line: 2, message: expect.stringContaining('${STATSD_EXPORTER_PROMETHEUS_SERVICE_HOST} is not set') },
    ]);
  });

  test('plain KEY: value lines (a ConfigMap of variables, not an .inc file) fail with the line', () => {
    const result = checkPhpFpmConfig({ env: { 'envvars.inc': "env['A'] = 1\nMCROUTER_SERVER: 10.64.72.12:4442\n" }, containerEnv }, source);
    expect(result.violations).toEqual([{ program: 'php-fpm8.2', ...source, field: 'env/envvars.inc', line: 2, message: expect.any(String) }]);
  });
});

describe('the input a check depends on', () => {
  test('keeps the variables the env files and the image config read, and nothing else', () => {
    const env = { 'envvars.inc': envvars };
    const narrowed = narrowPhpFpmInput({ env, containerEnv: { ...containerEnv, FPM__pm__max_children: '40', RELEASE_NAME: 'main', HOSTNAME: 'pod-1' } });
    // MCROUTER_SERVER and the service link: envvars.inc; FPM__pm__max_children: the image's pool.
    expect(narrowed).toEqual({ env, containerEnv: { ...containerEnv, FPM__pm__max_children: '40' } });
    // What was cut off changes nothing php-fpm says: both pass, and a missing variable still fails.
    expect(checkPhpFpmConfig(narrowed, source).violations).toEqual([]);
    const missing = narrowPhpFpmInput({ env, containerEnv: { MCROUTER_SERVER: '10.64.72.12:4442', RELEASE_NAME: 'main' } });
    expect(checkPhpFpmConfig(missing, source).violations).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining('is not set') })]);
  });
});
