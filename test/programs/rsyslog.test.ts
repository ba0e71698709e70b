/** `rsyslogd -N1` under the rsyslog image's main config, with Debian's rsyslog-kafka. */
import { checkRsyslogConfig } from '../../validate/programs/rsyslog.js';
import { productionRelease } from './production.js';
import { rsyslogConfig } from '../../constructs/rsyslog-config.js';
import { mwWebMain as ourMwWebMain } from '../constructs/release.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const mwWebMain = productionRelease('mw-web', 'main');
const files: Record<string, string> = mwWebMain.objects.find((o) => o.kind === 'ConfigMap' && /rsyslog-config$/.test(o.metadata.name))!.data;
const source = { file: mwWebMain.file, object: 'ConfigMap mw-web/mediawiki-main-rsyslog-config' };

describe('rsyslogd -N1 with the image main config', () => {
  test("production's rsyslog.d (UDP inputs, Kafka outputs, normalizer rulebases) passes", () => {
    expect(files['20-mediawiki.conf']).toContain('omkafka');
    expect(checkRsyslogConfig({ files }, source)).toEqual({ program: 'rsyslogd', violations: [] });
  });

  test('a misspelled parameter fails with the file and line', () => {
    const broken = { ...files, '30-extra.conf': '# extra input\ninput(type="imudp" prot="10515" address="127.0.0.1")\n' };
    const result = checkRsyslogConfig({ files: broken }, source);
    expect(result.violations).toContainEqual({ program: 'rsyslogd', ...source, field: 'rsyslog.d/30-extra.conf', line: 2, message: expect.stringContaining("parameter 'prot' not known") });
  });

  test('a Kafka output with an unknown broker parameter fails', () => {
    const broken = { ...files, '30-extra.conf': 'action(type="omkafka" brokers="kafka:9093" topic="t")\n' };
    expect(checkRsyslogConfig({ files: broken }, source).violations[0]).toMatchObject({ field: 'rsyslog.d/30-extra.conf', line: 1, message: expect.stringContaining('brokers') });
  });
});

test("our rsyslog.d (mw-debug: udp2log without a rate limit) passes rsyslogd -N1", () => {
  const release = ourMwWebMain();
  const debug = { ...release, profile: { ...release.profile, logging: { udp2logRateLimit: null } } };
  for (const r of [release, debug]) expect(checkRsyslogConfig({ files: rsyslogConfig(r) }, source)).toEqual({ program: 'rsyslogd', violations: [] });
  expect(rsyslogConfig(debug)['20-mediawiki.conf']).not.toContain('ratelimit');
});
