/**
 * `apache2 -t` on rendered Apache files inside the ServerRoot the webserver image builds: Debian's
 * apache2.conf and module files, the image's modules, base config and monitoring vhost
 * (webserver-image/), and the rendered files where the pod mounts them (sites-enabled/,
 * conf-enabled/). A syntax error is a violation naming the file and line.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, runProgram, skipped } from './run.js';
import type { ContentSource, ProgramCheckResult, ProgramViolation } from './types.js';

const IMAGE_DIR = fileURLToPath(new URL('./webserver-image/', import.meta.url));
/** Where Debian's apache2 package keeps apache2.conf and mods-available/. */
const DEBIAN_APACHE = '/etc/apache2';

/** The environment the image's envvars export (images/httpd and httpd-fcgi Dockerfiles). */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  APACHE_RUN_USER: 'www-data',
  APACHE_RUN_GROUP: 'www-data',
  APACHE_RUN_PORT: '8080',
  LANG: 'C',
  FCGI_MODE: 'FCGI_TCP',
  FCGI_URL: '127.0.0.1:9000',
  SERVER_SIGNATURE: 'wikimedia',
  SERVERGROUP: 'default',
  LOG_FORMAT: 'json',
  LOG_SKIP_SYSTEM: '0',
  DEBUG: '0',
};

/** The image's monitoring port (`Listen 9181` in conf/50-php-admin-port.conf). */
export const MONITORING_PORT = 9181;

/** One rendered file and where it came from (the ConfigMap and key that hold it). */
export interface ApacheFile {
  readonly text: string;
  readonly source?: ContentSource;
}

export interface ApacheInput {
  /** Files mounted into sites-enabled/, by file name (`03-main.conf`). */
  readonly sites: Readonly<Record<string, string | ApacheFile>>;
  /** Files mounted into conf-enabled/, e.g. the early config `00-aaa.conf`. */
  readonly confEnabled?: Readonly<Record<string, string | ApacheFile>>;
}

export interface ServerRootOptions {
  /**
   * Bind to this address instead of every interface, and move the image's ports: for running a
   * real server in tests. Default: the image's `Listen 8080` and `Listen 9181`.
   */
  readonly loopback?: { readonly address: string; readonly appPort: number; readonly monitoringPort: number };
  /** Extra environment, e.g. `FCGI_MODE`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Replaces the image's `/run/shared` (php-fpm's socket folder) in its config, for a server run as a test. */
  readonly runShared?: string;
  /** Replaces the image's `/srv/monitoring` docroot in its config, for a server run as a test. */
  readonly monitoringDocroot?: string;
  /** Replaces the image's piped logger `/usr/bin/glogger` (Apache starts it with the server). */
  readonly pipedLogger?: string;
}

export interface ServerRoot {
  readonly dir: string;
  /** The `-f` argument. */
  readonly configFile: string;
  /** What envvars would export. */
  readonly env: Readonly<Record<string, string>>;
  /** `mods-enabled` files the installed Apache lacks (e.g. libapache2-mod-security2 missing). */
  readonly missingModules: readonly string[];
}

/** The image's modules with what they depend on (a2enmod follows `# Depends:` lines). */
function moduleClosure(modules: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const load = path.join(DEBIAN_APACHE, 'mods-available', `${name}.load`);
    if (!existsSync(load)) return;
    const depends = /^# Depends:\s*(.+)$/m.exec(readFileSync(load, 'utf8'));
    for (const dep of depends?.[1].split(/[\s,]+/).filter(Boolean) ?? []) visit(dep);
  };
  modules.forEach(visit);
  return [...seen].sort();
}

function textOf(file: string | ApacheFile): string {
  return typeof file === 'string' ? file : file.text;
}

/** Writes the image's ServerRoot with `input` mounted into it, under `dir` (which must exist). */
export function writeApacheServerRoot(dir: string, input: ApacheInput, options: ServerRootOptions = {}): ServerRoot {
  const sub = (name: string): string => {
    const p = path.join(dir, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const run = sub('run');
  const env: Record<string, string> = {
    ...IMAGE_ENV,
    APACHE_RUN_DIR: run,
    APACHE_PID_FILE: path.join(run, 'httpd.pid'),
    APACHE_LOCK_DIR: sub('lock'),
    APACHE_LOG_DIR: sub('log'),
    ...(options.loopback ? { APACHE_RUN_PORT: String(options.loopback.appPort) } : {}),
    ...options.env,
  };
  const adaptImageFile = (text: string): string => {
    let out = text;
    if (options.loopback) {
      out = out
        .replace(new RegExp(`^Listen ${MONITORING_PORT}$`, 'm'), `Listen ${options.loopback.address}:${options.loopback.monitoringPort}`)
        .replace(new RegExp(`\\*:${MONITORING_PORT}>`, 'g'), `*:${options.loopback.monitoringPort}>`);
    }
    if (options.runShared) out = out.replaceAll('/run/shared', options.runShared);
    if (options.monitoringDocroot) out = out.replaceAll('/srv/monitoring', options.monitoringDocroot);
    if (options.pipedLogger) out = out.replaceAll('/usr/bin/glogger', options.pipedLogger);
    return out;
  };

  copyFileSync(path.join(DEBIAN_APACHE, 'apache2.conf'), path.join(dir, 'apache2.conf'));
  writeFileSync(path.join(dir, 'ports.conf'), options.loopback ? `Listen ${options.loopback.address}:\${APACHE_RUN_PORT}\n` : 'Listen ${APACHE_RUN_PORT}\n');

  const mods = sub('mods-enabled');
  const wanted = readFileSync(path.join(IMAGE_DIR, 'installed-modules'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const missingModules: string[] = [];
  for (const mod of moduleClosure(wanted)) {
    const base = path.join(DEBIAN_APACHE, 'mods-available', mod);
    if (!existsSync(`${base}.load`)) missingModules.push(mod);
    for (const ext of ['.load', '.conf']) if (existsSync(base + ext)) copyFileSync(base + ext, path.join(mods, mod + ext));
  }

  const conf = sub('conf-enabled');
  for (const name of readdirSync(path.join(IMAGE_DIR, 'conf'))) {
    writeFileSync(path.join(conf, name), adaptImageFile(readFileSync(path.join(IMAGE_DIR, 'conf', name), 'utf8')));
  }
  for (const [name, file] of Object.entries(input.confEnabled ?? {})) writeFileSync(path.join(conf, name), textOf(file));

  const sites = sub('sites-enabled');
  for (const name of readdirSync(path.join(IMAGE_DIR, 'sites'))) {
    writeFileSync(path.join(sites, name), adaptImageFile(readFileSync(path.join(IMAGE_DIR, 'sites', name), 'utf8')));
  }
  for (const [name, file] of Object.entries(input.sites)) writeFileSync(path.join(sites, name), textOf(file));

  return { dir, configFile: path.join(dir, 'apache2.conf'), env, missingModules };
}

/** The last `line N of <file>` Apache names, relative to the ServerRoot. */
function locateError(output: string, root: string): { file?: string; line?: number; message: string } {
  const lines = output.split('\n').filter((l) => l.trim() && !/^AH00558:/.test(l));
  const text = lines.join('\n');
  const all = [...text.matchAll(/line (\d+) of (\S+?):/g)];
  const last = all[all.length - 1];
  if (!last) return { message: text.trim() || 'apache2 -t failed' };
  const rel = path.relative(root, last[2]);
  const after = text.slice((last.index ?? 0) + last[0].length).trim();
  return { file: rel, line: Number(last[1]), message: after.split('\n')[0] || text.trim() };
}

/**
 * `apache2 -t` with `input` mounted into the image's ServerRoot. The violation (Apache stops at the
 * first error) names the mounted file as `field` (`sites-enabled/03-main.conf`) and its line.
 */
export function checkApacheConfig(input: ApacheInput, source: ContentSource): ProgramCheckResult {
  const apache2 = findProgram('apache2');
  if (!apache2 || !existsSync(path.join(DEBIAN_APACHE, 'apache2.conf'))) return skipped('apache2');
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-gitops-apache-'));
  try {
    const root = writeApacheServerRoot(dir, input);
    if (root.missingModules.length) {
      return { program: 'apache2', violations: [], skipped: `skipped: apache2 modules ${root.missingModules.join(', ')} not installed` };
    }
    const result = runProgram(apache2, ['-d', dir, '-f', root.configFile, '-t'], root.env);
    if (result.status === 0) return { program: 'apache2', violations: [] };
    const where = locateError(result.output, dir);
    const [folder, name] = where.file?.split(path.sep) ?? [];
    const mounted = folder === 'sites-enabled' ? input.sites[name] : folder === 'conf-enabled' ? input.confEnabled?.[name] : undefined;
    const from = mounted && typeof mounted !== 'string' && mounted.source ? mounted.source : source;
    const violation: ProgramViolation = {
      program: 'apache2',
      ...from,
      ...(where.file ? { field: where.file } : {}),
      ...(where.line ? { line: where.line } : {}),
      message: where.message,
    };
    return { program: 'apache2', violations: [violation] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
