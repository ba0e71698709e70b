/**
 * Our rsyslog.d, run by a real rsyslogd: what MediaWiki sends to 127.0.0.1:10514 (syslog with an
 * `@cee:` JSON payload), what httpd sends to 10200 (bare ECS JSON) and php-fpm's error log come
 * out as the JSON logstash reads, with the pod's Kubernetes fields. Only the Kafka outputs are
 * swapped for files (there is no broker here) and the paths and ports moved into a temporary
 * directory; parsing, rulesets and templates are the rendered ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rsyslogConfig } from '../../constructs/rsyslog-config.js';
import { findProgram } from '../../validate/programs/run.js';
import { mwWebMain } from '../constructs/release.js';
import { tempDir } from '../support/cli.js';
import '../support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const rsyslogd = findProgram('rsyslogd');
const POD = { KUBERNETES_NAMESPACE: 'mw-web', KUBERNETES_NODE: 'wikikube-worker1001', KUBERNETES_POD_NAME: 'mediawiki-main-abc', KUBERNETES_RELEASE: 'main', KUBERNETES_DEPLOYMENT: 'mw-web' };

/** A free UDP port on 127.0.0.1 (bound and released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function send(port: number, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.send(message, port, '127.0.0.1', (err) => socket.close(() => (err ? reject(err) : resolve())));
  });
}

/** Polls until `file` has a complete line (rsyslog writes asynchronously). */
async function firstLine(file: string, what: () => Promise<void>): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    await what();
    await new Promise((r) => setTimeout(r, 100));
    if (existsSync(file)) {
      const line = readFileSync(file, 'utf8').split('\n')[0];
      if (line) return line;
    }
  }
  throw new Error(`${file}: nothing written after 10 s`);
}

describe('the rendered rsyslog.d in a real rsyslogd', () => {
  let work: ReturnType<typeof tempDir>;
  let daemon: ChildProcess;
  const ports = { mediawiki: 0, accesslog: 0 };

  beforeAll(async () => {
    if (!rsyslogd) throw new Error('rsyslogd is not installed (Debian rsyslog; .ci/run installs it)');
    work = tempDir('mw-gitops-rsyslog-');
    const dir = (name: string) => {
      const d = join(work.path, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const [conf, logs, out, spool] = [dir('rsyslog.d'), dir('php-fpm'), dir('out'), dir('spool')];
    ports.mediawiki = await freePort();
    ports.accesslog = await freePort();
    const udp2log = await freePort();
    for (const [name, text] of Object.entries(rsyslogConfig(mwWebMain()))) {
      const local = text
        .replaceAll('/etc/rsyslog.d/', `${conf}/`)
        .replaceAll('/var/log/php-fpm/', `${logs}/`)
        .replace('port="10514"', `port="${ports.mediawiki}"`)
        .replace('port="10200"', `port="${ports.accesslog}"`)
        .replace(/target="[^"]+" port="8420"/, `target="127.0.0.1" port="${udp2log}"`)
        // Each Kafka output becomes a file named after its topic template, with the same output template.
        .replace(/action\(type="omkafka"[\s\S]*?topic="([^"]+)"[\s\S]*?template="([^"]+)"[\s\S]*?\]\)/g, (_m, topic: string, template: string) => `action(type="omfile" file="${out}/${topic}.log" template="${template}")`);
      writeFileSync(join(conf, name), local);
    }
    writeFileSync(join(work.path, 'rsyslog.conf'), `module(load="imudp")\n$WorkDirectory ${spool}\n$IncludeConfig ${conf}/*.conf\n`);
    daemon = spawn(rsyslogd!, ['-n', '-f', join(work.path, 'rsyslog.conf'), '-i', join(work.path, 'rsyslogd.pid')], { env: { ...process.env, ...POD }, stdio: 'ignore' });
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    work?.cleanup();
  });

  test("MediaWiki's @cee: JSON on 10514 reaches the k8s-mw-<dc> topic with its fields and the pod's", async () => {
    const line = await firstLine(join(work.path, 'out', 'udp_localhost_to_kafka-topic.log'), () =>
      send(ports.mediawiki, '<11>Dec  2 04:00:00 mediawiki-main-abc mediawiki: @cee: {"channel":"exception","message":"boom","normalized_message":"boom"}'),
    );
    expect(JSON.parse(line)).toMatchObject({
      program: 'mediawiki',
      severity: 'err',
      kubernetes: { host: POD.KUBERNETES_NODE, namespace_name: 'mw-web', pod_name: POD.KUBERNETES_POD_NAME, labels: { deployment: 'mw-web', release: 'main' } },
      channel: 'exception',
      message: 'boom',
    });
  });

  test("httpd's bare ECS JSON on 10200 reaches the access-log topic with the pod's fields", async () => {
    const line = await firstLine(join(work.path, 'out', 'accesslog_to_kafka-topic.log'), () =>
      send(ports.accesslog, '<134>Dec  2 04:00:00 mediawiki-main-abc apache2: {"url":{"path":"/wiki/A&B_(c)"},"http":{"response":{"status_code":200}}}'),
    );
    expect(JSON.parse(line)).toMatchObject({
      host: { name: POD.KUBERNETES_NODE },
      orchestrator: { type: 'kubernetes', namespace: 'mw-web', resource: { name: POD.KUBERNETES_POD_NAME } },
      labels: { deployment: 'mw-web', release: 'main' },
      url: { path: '/wiki/A&B_(c)' },
      http: { response: { status_code: 200 } },
    });
  });

  test("php-fpm's error log is normalised and shipped with the pod's fields", async () => {
    const log = join(work.path, 'php-fpm', 'error.log');
    const line = await firstLine(join(work.path, 'out', 'errorlog_to_kafka-topic.log'), async () =>
      appendFileSync(log, '[02-Dec-2026 04:00:00] WARNING: [pool www] child 42 exited on signal 9 (SIGKILL)\n'),
    );
    expect(JSON.parse(line)).toMatchObject({
      program: 'php-fpm-error',
      kubernetes: { namespace_name: 'mw-web', pod_name: POD.KUBERNETES_POD_NAME },
      date: '02-Dec-2026 04:00:00',
      message: 'WARNING: [pool www] child 42 exited on signal 9 (SIGKILL)',
    });
  });
});
