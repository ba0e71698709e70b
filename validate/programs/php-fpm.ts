/**
 * `php-fpm8.2 -t` on rendered php-fpm env files inside the image's configuration
 * (php-fpm-image/): php-fpm.conf includes the pool, which includes every `env/*.inc`, the image's
 * own and the rendered ones mounted next to them.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, runProgram, skipped } from './run.js';
import type { ContentSource, ProgramCheckResult } from './types.js';

const IMAGE_DIR = fileURLToPath(new URL('./php-fpm-image/', import.meta.url));
const IMAGE_FPM_DIR = '/etc/php/8.3/fpm';
export const PHP_FPM = 'php-fpm8.2';

/** The fpm image's ENV defaults (images/php/8.3/fpm/Dockerfile.template). */
export const FPM_IMAGE_ENV: Readonly<Record<string, string>> = {
  FPM__process_control_timeout: '60',
  FPM__pm__max_children: '10',
  FPM__request_slowlog_timeout: '10',
  FPM__request_terminate_timeout: '201',
  FPM__log_level: 'warning',
  FPM__error_log: '/dev/stderr',
  FPM__slowlog: '/dev/stderr',
  FPM__catch_workers_output: '',
  MW__MCROUTER_SERVER: '127.0.0.1:11213',
  FCGI_MODE: 'FCGI_TCP',
  FCGI_URL: '127.0.0.1:9000',
  FCGI_ALLOW: '127.0.0.1',
};

export interface PhpFpmInput {
  /** Files mounted into `env/` by name, e.g. `envvars.inc` (php-fpm includes `*.inc` only). */
  readonly env: Readonly<Record<string, string>>;
  /** The container's environment, which `${VAR}` in the files reads (e.g. `MCROUTER_SERVER`). */
  readonly containerEnv?: Readonly<Record<string, string>>;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `${VAR}` names a text reads (php-fpm expands only this form in its ini files). */
function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1]);
}

let imageVariables: ReadonlySet<string> | undefined;

/** Every `${VAR}` the image's own php-fpm.conf, pools and env files read. */
function variablesOfImage(): ReadonlySet<string> {
  if (imageVariables) return imageVariables;
  const names = new Set<string>();
  for (const file of readdirSync(IMAGE_DIR, { recursive: true }).map(String)) {
    if (/\.(conf|inc)$/.test(file)) for (const name of variablesIn(readFileSync(path.join(IMAGE_DIR, file), 'utf8'))) names.add(name);
  }
  return (imageVariables = names);
}

/**
 * The input with its container environment cut down to the variables the configuration reads:
 * nothing else can change what `php-fpm -t` says. Releases differ in many variables no config
 * reads (their names, their hosts), so the narrowed inputs of most releases are equal and one
 * run answers for all of them.
 */
export function narrowPhpFpmInput(input: PhpFpmInput): PhpFpmInput {
  if (input.containerEnv === undefined) return input;
  const read = new Set([...variablesOfImage(), ...Object.values(input.env).flatMap(variablesIn)]);
  const containerEnv = Object.fromEntries(Object.entries(input.containerEnv).filter(([name]) => read.has(name)));
  return { env: input.env, containerEnv };
}

export interface FpmConfig {
  readonly configFile: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Writes the image's fpm configuration with `input` mounted, under `dir`. The pid file and the
 * socket, in the image's `/run/shared`, go to `runShared` (default `<dir>/run`).
 */
export function writePhpFpmConfig(dir: string, input: PhpFpmInput, env: Readonly<Record<string, string>> = {}, runShared?: string): FpmConfig {
  cpSync(IMAGE_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('README.md') });
  const run = runShared ?? path.join(dir, 'run');
  mkdirSync(run, { recursive: true });
  const relocate = (text: string): string => text.replaceAll(IMAGE_FPM_DIR, dir).replaceAll('/run/shared', run);
  for (const file of ['php-fpm.conf', ...readdirSync(path.join(dir, 'pool.d')).map((f) => path.join('pool.d', f))]) {
    const p = path.join(dir, file);
    writeFileSync(p, relocate(readFileSync(p, 'utf8')));
  }
  for (const [name, text] of Object.entries(input.env)) writeFileSync(path.join(dir, 'env', name), text);
  return { configFile: path.join(dir, 'php-fpm.conf'), env: { ...FPM_IMAGE_ENV, ...input.containerEnv, ...env } };
}

/** Keeps php-fpm's own error lines (`ERROR: ... in <file> on line N`), without the timestamp. */
function fpmErrors(output: string): { message: string; file?: string; line?: number }[] {
  return output
    .split('\n')
    .filter((l) => /\b(ERROR|ALERT):/.test(l))
    .map((l) => {
      const message = l.replace(/^\[[^\]]*\]\s*/, '').replace(/^(ERROR|ALERT):\s*/, '');
      const at = /in (\S+) on line (\d+)/.exec(message) ?? /\[(\S+\.(?:inc|conf)):(\d+)\]/.exec(message);
      return at ? { message, file: at[1], line: Number(at[2]) } : { message };
    });
}

/** php-fpm says "empty value" for `${VAR}` when VAR is unset: name the variable. */
function unsetVariableHint(file: string | undefined, line: number | undefined, dir: string, env: Readonly<Record<string, string>>): string {
  if (!file || !line) return '';
  const text = readFileSync(path.join(dir, file), 'utf8').split('\n')[line - 1] ?? '';
  const unset = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]).filter((v) => !env[v]);
  return unset.length ? ` (\${${unset[0]}} is not set in the container's environment)` : '';
}

/** `php-fpm8.2 -t` with `input.env` mounted into the image's `env/`. */
export function checkPhpFpmConfig(input: PhpFpmInput, source: ContentSource): ProgramCheckResult {
  const fpm = findProgram(PHP_FPM);
  if (!fpm) return skipped(PHP_FPM);
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-gitops-fpm-'));
  try {
    // Logs go to files: /dev/stderr cannot be opened when stderr is a socket.
    const config = writePhpFpmConfig(dir, input, { FPM__error_log: path.join(dir, 'error.log'), FPM__slowlog: path.join(dir, 'slow.log') });
    const asRoot = process.getuid?.() === 0 ? ['--allow-to-run-as-root'] : [];
    const result = runProgram(fpm, ['-t', ...asRoot, '-y', config.configFile], config.env);
    if (result.status === 0) return { program: PHP_FPM, violations: [] };
    // The first cause only: php-fpm follows it with "Unable to include ..." for every including file.
    const errors = fpmErrors(result.output).filter((e) => !/^(FPM initialization failed|Unable to include|failed to load configuration file)/.test(e.message));
    const found = errors.length ? errors : [{ message: result.output.trim() || `${PHP_FPM} -t failed` }];
    return {
      program: PHP_FPM,
      violations: found.map((e) => {
        const rel = e.file && e.file.startsWith(dir) ? path.relative(dir, e.file) : undefined;
        const message = e.message.replaceAll(`${dir}/`, '') + unsetVariableHint(rel, e.line, dir, config.env);
        return { program: PHP_FPM, ...source, ...(rel ? { field: rel } : {}), ...(e.line ? { line: e.line } : {}), message };
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
