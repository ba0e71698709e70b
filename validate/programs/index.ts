/**
 * The content checks: every config file a pod reads, handed to the program that reads it. Finds
 * the files through the pods' own mounts (ConfigMap volumes at /etc/apache2/sites-enabled,
 * conf-enabled, /etc/php/<v>/fpm/env, /etc/rsyslog.d) and envoy bootstraps in any ConfigMap, so it
 * works on any render, ours or production's.
 */
import { createHash } from 'node:crypto';
import type { ObjectFile } from '../types.js';
import { checkApacheConfig, type ApacheFile } from './apache.js';
import { checkEnvoyBootstrap, looksLikeEnvoyBootstrap } from './envoy.js';
import { checkPhpFpmConfig, narrowPhpFpmInput } from './php-fpm.js';
import { checkRsyslogConfig } from './rsyslog.js';
import type { ContentSource, ProgramCheckResult, ProgramViolation } from './types.js';

export type * from './types.js';
export { checkApacheConfig, writeApacheServerRoot, IMAGE_ENV, MONITORING_PORT } from './apache.js';
export { checkEnvoyBootstrap, loadEnvoyProtos, looksLikeEnvoyBootstrap } from './envoy.js';
export { checkPhpFpmConfig, writePhpFpmConfig, PHP_FPM } from './php-fpm.js';
export { checkRsyslogConfig } from './rsyslog.js';
export { findProgram } from './run.js';

export interface ContentCheckResult {
  /** Sorted by file, object, field, line. */
  readonly violations: readonly ProgramViolation[];
  /** One line per check that could not run, e.g. `skipped: apache2 not installed (mw-web/main …)`. */
  readonly skipped: readonly string[];
  /** How many config files each program judged (a file shared by many pods counts for each). */
  readonly checked: Readonly<Record<string, number>>;
  /** How many times a program actually ran: each distinct content runs once. */
  readonly runs: number;
}

const PLACEHOLDER = '\u0000source:';

/**
 * Runs each distinct check once. Releases share most of their config (every mw-web release has
 * the same sites and rsyslog.d), so the input is hashed with its sources replaced by numbered
 * placeholders, and a repeated check reuses the first result with its own sources put back.
 */
class CheckCache {
  private readonly results = new Map<string, ProgramCheckResult>();
  runs = 0;

  check<I>(program: string, sources: readonly ContentSource[], input: (placeholders: ContentSource[]) => I, run: (input: I, source: ContentSource) => ProgramCheckResult): ProgramCheckResult {
    const placeholders = sources.map((_, i): ContentSource => ({ file: `${PLACEHOLDER}${i}` }));
    const tokenized = input(placeholders);
    const key = createHash('sha256').update(program).update('\0').update(JSON.stringify(tokenized)).digest('hex');
    let result = this.results.get(key);
    if (!result) {
      this.runs++;
      result = run(tokenized, placeholders[0]);
      this.results.set(key, result);
    }
    const restore = (v: ProgramViolation): ProgramViolation => {
      if (!v.file.startsWith(PLACEHOLDER)) return v;
      const { file: _file, object: _object, ...rest } = v;
      return { ...rest, ...sources[Number(v.file.slice(PLACEHOLDER.length))] };
    };
    return { ...result, violations: result.violations.map(restore) };
  }
}

type Obj = Record<string, any>;

const SITES = '/etc/apache2/sites-enabled';
const CONF = '/etc/apache2/conf-enabled';
const PHP_ENV = /^\/etc\/php\/[\d.]+\/fpm\/env$/;
const RSYSLOG = '/etc/rsyslog.d';

function podSpecs(obj: Obj): { spec: Obj; path: string }[] {
  switch (obj.kind) {
    case 'Pod':
      return [{ spec: obj.spec ?? {}, path: 'spec' }];
    case 'CronJob':
      return [{ spec: obj.spec?.jobTemplate?.spec?.template?.spec ?? {}, path: 'spec.jobTemplate.spec.template.spec' }];
    default:
      return obj.spec?.template?.spec ? [{ spec: obj.spec.template.spec, path: 'spec.template.spec' }] : [];
  }
}

function describe(obj: Obj): string {
  return `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
}

/** The files a ConfigMap volume puts at its mount: key -> text, narrowed by `items` and `subPath`. */
function mountedFiles(cm: Obj, volume: Obj, subPath: string | undefined): Map<string, string> {
  const data: Record<string, string> = cm.data ?? {};
  const items: { key: string; path: string }[] | undefined = volume.configMap.items;
  const files = new Map<string, string>(items ? items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]]) : Object.entries(data));
  if (subPath === undefined) return files;
  const one = files.get(subPath);
  return new Map(one === undefined ? [] : [[subPath, one]]);
}

/** Runs every content check on a rendered tree. */
export function checkRenderedContent(files: readonly ObjectFile[]): ContentCheckResult {
  const violations: ProgramViolation[] = [];
  const skipped = new Set<string>();
  const checked: Record<string, number> = {};
  const cache = new CheckCache();
  const record = (result: ProgramCheckResult, count: number): void => {
    if (result.skipped) skipped.add(result.skipped);
    else checked[result.program] = (checked[result.program] ?? 0) + count;
    violations.push(...result.violations);
  };

  for (const file of files) {
    const configMaps = new Map<string, Obj>();
    for (const obj of file.objects) if (obj.kind === 'ConfigMap') configMaps.set(`${(obj.metadata as Obj)?.namespace ?? ''}/${(obj.metadata as Obj)?.name}`, obj);

    // Envoy bootstraps, wherever a ConfigMap holds one.
    for (const cm of configMaps.values()) {
      for (const [key, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
        if (typeof text !== 'string' || !looksLikeEnvoyBootstrap(key, text)) continue;
        const found = cache.check('envoy', [{ file: file.path, object: `${describe(cm)} data.${key}` }], () => text, (t, source) => ({ program: 'envoy', violations: checkEnvoyBootstrap(t, source) }));
        checked['envoy'] = (checked['envoy'] ?? 0) + 1;
        violations.push(...found.violations);
      }
    }

    for (const obj of file.objects as Obj[]) {
      for (const { spec, path } of podSpecs(obj)) {
        const volumes = new Map<string, Obj>((spec.volumes ?? []).map((v: Obj) => [v.name, v]));
        (spec.containers ?? []).forEach((container: Obj, ci: number) => {
          const where: ContentSource = { file: file.path, object: `${describe(obj)} container ${container.name}` };
          const sites: Record<string, ApacheFile> = {};
          const conf: Record<string, ApacheFile> = {};
          const phpEnv: Record<string, string> = {};
          const rsyslog: Record<string, string> = {};
          (container.volumeMounts ?? []).forEach((mount: Obj, mi: number) => {
            const volume = volumes.get(mount.name);
            if (!volume?.configMap) return;
            const cm = configMaps.get(`${obj.metadata?.namespace ?? ''}/${volume.configMap.name}`);
            if (!cm) return; // a missing ConfigMap is the reference checks' business
            const mountPath: string = mount.mountPath;
            const source = (key: string): ContentSource => ({ file: file.path, object: `${describe(cm)} data.${key}` });
            const at = `${path}.containers[${ci}].volumeMounts[${mi}]`;
            const parent = mount.subPath !== undefined ? mountPath.slice(0, mountPath.lastIndexOf('/')) : mountPath;
            const name = (key: string): string => (mount.subPath !== undefined ? mountPath.slice(mountPath.lastIndexOf('/') + 1) : key);
            const mounted = mountedFiles(cm, volume, mount.subPath);
            if (parent === SITES) {
              if (mount.subPath === undefined) {
                violations.push({
                  program: 'apache2',
                  ...where,
                  field: at,
                  message: `mounts ${describe(cm)} over all of ${SITES}, hiding the image's own sites (999-monitoring.conf answers the readiness probe's /healthz on port 9181); mount each site with subPath`,
                });
              }
              for (const [key, text] of mounted) sites[name(key)] = { text, source: source(key) };
            } else if (parent === CONF) {
              for (const [key, text] of mounted) conf[name(key)] = { text, source: source(key) };
            } else if (PHP_ENV.test(parent)) {
              for (const [key, text] of mounted) {
                if (name(key).endsWith('.inc')) phpEnv[name(key)] = text;
                else violations.push({ program: 'php-fpm8.2', ...source(key), field: at, message: `php-fpm includes only env/*.inc; ${name(key)} mounted at ${parent} is never read` });
              }
            } else if (parent === RSYSLOG) {
              for (const [key, text] of mounted) rsyslog[name(key)] = text;
            }
          });
          if (Object.keys(sites).length || Object.keys(conf).length) {
            const all = [...Object.entries(sites), ...Object.entries(conf)];
            const sources = [where, ...all.map(([, f]) => f.source ?? where)];
            const tokenized = (placeholders: ContentSource[]) => {
              const withPlaceholders = (entries: [string, ApacheFile][], offset: number) =>
                Object.fromEntries(entries.map(([name, f], i) => [name, { text: f.text, source: placeholders[1 + offset + i] }]));
              return { sites: withPlaceholders(Object.entries(sites), 0), confEnabled: withPlaceholders(Object.entries(conf), Object.keys(sites).length) };
            };
            record(cache.check('apache2', sources, tokenized, checkApacheConfig), all.length);
          }
          if (Object.keys(phpEnv).length) {
            // valueFrom variables are set at run time: any value will do for the syntax check.
            const containerEnv: Record<string, string> = Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value ?? (e.valueFrom ? 'from-kubernetes' : '')]));
            // Kubernetes sets <SERVICE>_SERVICE_HOST/_PORT for every Service of the namespace (service links).
            if (spec.enableServiceLinks !== false) {
              for (const text of Object.values(phpEnv)) for (const m of text.matchAll(/\$\{([A-Z0-9_]+_SERVICE_(?:HOST|PORT)[A-Z0-9_]*)\}/g)) containerEnv[m[1]] ??= 'service-link';
            }
            record(cache.check('php-fpm', [where], () => narrowPhpFpmInput({ env: phpEnv, containerEnv }), checkPhpFpmConfig), Object.keys(phpEnv).length);
          }
          if (Object.keys(rsyslog).length) record(cache.check('rsyslogd', [where], () => ({ files: rsyslog }), checkRsyslogConfig), Object.keys(rsyslog).length);
        });
      }
    }
  }
  const key = (v: ProgramViolation): string => [v.file, v.object ?? '', v.field ?? '', String(v.line ?? 0).padStart(6, '0')].join('\u0000');
  violations.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { violations, skipped: [...skipped].sort(), checked, runs: cache.runs };
}

/** The human report: a summary line, each skipped check, then the violations grouped per file and object. */
export function formatContentReport(result: ContentCheckResult): string {
  const counts = Object.entries(result.checked)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([program, n]) => `${program} ${n}`);
  const n = result.violations.length;
  const lines = [
    `Content checks: ${counts.length ? counts.join(', ') : 'nothing'} config file${sum(result.checked) === 1 ? '' : 's'} in ${result.runs} program run${result.runs === 1 ? '' : 's'}: ` +
      (n ? `${n} violation${n === 1 ? '' : 's'}.` : 'no violations.'),
    ...result.skipped,
  ];
  let group = '';
  for (const v of result.violations) {
    const heading = `${v.file}${v.object ? `: ${v.object}` : ''}`;
    if (heading !== group) lines.push('', heading);
    group = heading;
    const where = [v.field, v.line === undefined ? undefined : `line ${v.line}`].filter(Boolean).join(' ');
    lines.push(`  [${v.program}] ${where ? `${where}: ` : ''}${v.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
