/**
 * The pod's web serving half, for real, on 127.0.0.1: Debian's Apache in the webserver image's
 * ServerRoot with rendered sites mounted, and php-fpm with the image's pool on its unix socket
 * (production's FCGI_UNIX mode). Every docroot holds a stub `w/index.php` that reports what PHP saw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeApacheServerRoot } from '../../validate/programs/apache.js';
import { PHP_FPM, writePhpFpmConfig } from '../../validate/programs/php-fpm.js';
import { findProgram } from '../../validate/programs/run.js';

/** What the stub index.php answers: the request as PHP received it. */
export const STUB_INDEX_PHP = `<?php
header('Content-Type: application/json');
echo json_encode([
  'docroot' => $_SERVER['DOCUMENT_ROOT'],
  'script' => __FILE__,
  'request_uri' => $_SERVER['REQUEST_URI'],
  'path_info' => $_SERVER['PATH_INFO'] ?? null,
  'query' => $_SERVER['QUERY_STRING'] ?? '',
  'get' => (object) $_GET,
  'remote_addr' => $_SERVER['REMOTE_ADDR'] ?? null,
  'mcrouter_server' => getenv('MCROUTER_SERVER'),
]);
`;

export interface WebserverPod {
  readonly appPort: number;
  readonly monitoringPort: number;
  readonly docrootBase: string;
  /** The fcgi endpoint the rendered sites must hand php files to. */
  readonly fcgiEndpoint: string;
  get(port: number, path: string, host: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether the programs are installed (the test says which it skipped otherwise). */
export function webserverProgramsMissing(): string[] {
  return ['apache2', PHP_FPM].filter((p) => !findProgram(p));
}

async function waitFor(check: () => Promise<boolean>, what: string, logs: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up:\n${logs()}`);
}

function get(port: number, urlPath: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, headers: { ...headers, Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** What the pod mounts besides the sites, as a release renders it. */
export interface PodMounts {
  /** conf-enabled/ files, e.g. the early config `00-aaa.conf`. */
  readonly confEnabled?: Readonly<Record<string, string>>;
  /** php-fpm `env/*.inc` files, e.g. `envvars.inc`. */
  readonly phpEnv?: Readonly<Record<string, string>>;
  /** The app container's environment, which the `.inc` files pass on. */
  readonly appEnv?: Readonly<Record<string, string>>;
}

/**
 * Starts php-fpm and Apache with `renderSites(options)`'s files in sites-enabled/, `mounts`, and a
 * stub docroot for each of `docroots`.
 */
export async function startWebserverPod(
  docroots: readonly string[],
  renderSites: (o: { port: string; docrootBase: string; fcgiEndpoint: string }) => Record<string, string>,
  mounts: PodMounts = {},
): Promise<WebserverPod> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-gitops-pod-'));
  // Apache's workers run as www-data: they must reach the docroots and php-fpm's socket.
  chmodSync(dir, 0o755);
  const runShared = path.join(dir, 'run-shared');
  const docrootBase = path.join(dir, 'docroot');
  const monitoringDocroot = path.join(dir, 'monitoring');
  for (const d of [runShared, monitoringDocroot, ...docroots.map((r) => path.join(docrootBase, r, 'w'))]) mkdirSync(d, { recursive: true, mode: 0o755 });
  for (const r of docroots) writeFileSync(path.join(docrootBase, r, 'w', 'index.php'), STUB_INDEX_PHP);
  writeFileSync(path.join(monitoringDocroot, 'index.php'), '<?php echo "ok\\n";\n');

  const fpmDir = path.join(dir, 'fpm');
  mkdirSync(fpmDir);
  const fpm = writePhpFpmConfig(fpmDir, { env: mounts.phpEnv ?? {}, containerEnv: mounts.appEnv }, { FCGI_MODE: 'FCGI_UNIX', FPM__error_log: path.join(dir, 'fpm.log'), FPM__slowlog: path.join(dir, 'fpm-slow.log'), FPM__pm__max_children: '2' }, runShared);
  const socket = path.join(runShared, 'fpm-www.sock');
  const fcgiEndpoint = `unix:${socket}|fcgi://localhost`;

  const [appPort, monitoringPort] = [await freePort(), await freePort()];
  const apacheDir = path.join(dir, 'apache');
  mkdirSync(apacheDir);
  const sites = renderSites({ port: '${APACHE_RUN_PORT}', docrootBase, fcgiEndpoint });
  // The image's glogger forwards access logs to rsyslog only with LOG_FORMAT=ecs_rsyslog; a sink stands in.
  const pipedLogger = path.join(dir, 'glogger');
  writeFileSync(pipedLogger, '#!/bin/sh\nexec cat >/dev/null\n', { mode: 0o755 });
  // Debian's apache2.conf denies every folder but /var/www and /usr/share; the MediaWiki webserver
  // image (built outside production-images, not public there) grants its docroot tree. Assumed here.
  const confEnabled = { ...mounts.confEnabled, '50-mediawiki-docroots.conf': `<Directory ${docrootBase}>\n    Require all granted\n</Directory>\n` };
  const root = writeApacheServerRoot(apacheDir, { sites, confEnabled }, { loopback: { address: '127.0.0.1', appPort, monitoringPort }, env: { FCGI_MODE: 'FCGI_UNIX' }, runShared, monitoringDocroot, pipedLogger });

  // Log files, not pipes: node's pipes are sockets, and the image logs to /dev/stderr, which cannot
  // be opened on a socket.
  const logFiles = { fpm: path.join(dir, 'fpm.out'), apache: path.join(dir, 'apache.out') };
  const asRoot = process.getuid?.() === 0 ? ['--allow-to-run-as-root'] : [];
  const fpmChild = spawn(findProgram(PHP_FPM)!, ['--nodaemonize', ...asRoot, '-y', fpm.configFile], { env: { ...process.env, ...fpm.env }, stdio: ['ignore', openSync(logFiles.fpm, 'w'), openSync(logFiles.fpm, 'a')] });
  const apacheChild = spawn(findProgram('apache2')!, ['-d', apacheDir, '-f', root.configFile, '-DFOREGROUND'], { env: { ...process.env, ...root.env }, stdio: ['ignore', openSync(logFiles.apache, 'w'), openSync(logFiles.apache, 'a')] });
  const logs = (): string => [logFiles.fpm, path.join(dir, 'fpm.log'), logFiles.apache].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '')).join('\n');
  const stop = async (): Promise<void> => {
    await Promise.all([stopChild(apacheChild), stopChild(fpmChild)]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await get(monitoringPort, '/server-status', 'localhost')).status > 0, 'apache2', logs);
    await waitFor(async () => (await get(monitoringPort, '/healthz', 'localhost')).status === 200, 'php-fpm behind apache2', logs);
  } catch (e) {
    await stop();
    throw e;
  }
  return { appPort, monitoringPort, docrootBase, fcgiEndpoint, get, stop };
}
