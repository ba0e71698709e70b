/**
 * `mw-gitops generate`: the Argo CD Config Management Plugin command. It renders the checkout in
 * the current directory (that revision's constructs and config, loaded through its own
 * cli/generate-entry.ts) for one cluster/namespace[/release] and prints only the YAML stream: the
 * same bytes as the matching dist/ manifest files. On any error stdout stays empty (Argo CD would
 * prune everything on an empty success), stderr gets one line, and the exit code is non-zero.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire, register as registerHooks } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { registerTsx } from '../../bin/tsx.mjs';
import { UserError } from '../../config/errors.js';
import { readYamlStream } from '../../config/yaml-stream.js';
import { DnsLabel } from '../../config/names.js';
import { hasInstalledCode } from '../installed-code.js';

/** Where the installed command finds a checkout's render entry, and the API it speaks. */
export const ENTRY_PATH = 'cli/generate-entry.ts';
export const ENTRY_API = 1;

export interface Selection {
  readonly cluster: string;
  readonly namespace: string;
  readonly release?: string;
}

type Key = 'cluster' | 'namespace' | 'release';
const KEYS: readonly Key[] = ['cluster', 'namespace', 'release'];
const PARAM: Record<Key, string> = { cluster: 'MW_CLUSTER', namespace: 'MW_NAMESPACE', release: 'MW_RELEASE' };

/** Unset, empty and blank all mean "not given" (Argo CD sets ARGOCD_ENV_X="" for `value: ""`). */
const Value = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** The part of the environment generate reads; everything else is ignored (and never printed). */
export const GenerateEnv = z.object({
  ARGOCD_ENV_MW_CLUSTER: Value,
  ARGOCD_ENV_MW_NAMESPACE: Value,
  ARGOCD_ENV_MW_RELEASE: Value,
  ARGOCD_APP_PARAMETERS: Value,
  PARAM_MW_CLUSTER: Value,
  PARAM_MW_NAMESPACE: Value,
  PARAM_MW_RELEASE: Value,
});

/** `ARGOCD_APP_PARAMETERS`: the explicitly set `spec.source.plugin.parameters`. */
const AppParameters = z.array(
  z.object({
    name: z.string(),
    string: z.string().optional(),
    array: z.array(z.string()).optional(),
    map: z.record(z.string(), z.string()).optional(),
  }),
);

export interface SelectionFlags {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly release?: string;
}

export interface ResolvedSelection {
  readonly selection: Selection;
  /** Where each value came from, for the log line. */
  readonly sources: Readonly<Partial<Record<Key, string>>>;
}

/**
 * Pure: the selection from flags and the environment Argo CD gives. Per value, the first one
 * given wins: `--flag`, then the plugin env `ARGOCD_ENV_MW_*`, then the plugin parameters
 * (`ARGOCD_APP_PARAMETERS`, then `PARAM_MW_*`, which Argo CD derives from the same parameters).
 * The plugin env and the parameters disagreeing is an error: neither is obviously meant.
 */
export function resolveSelection(rawEnv: Readonly<Record<string, string | undefined>>, flags: SelectionFlags = {}): ResolvedSelection {
  const parsedEnv = GenerateEnv.safeParse(rawEnv);
  if (!parsedEnv.success) throw new UserError('the plugin environment could not be read');
  const env = parsedEnv.data;
  const params = parseParameters(env.ARGOCD_APP_PARAMETERS);

  const values: Partial<Record<Key, string>> = {};
  const sources: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    const name = PARAM[key];
    const candidates: [string, string | undefined][] = [
      [`--${key}`, Value.parse(flags[key])],
      [`ARGOCD_ENV_${name}`, env[`ARGOCD_ENV_${name}` as keyof typeof env]],
      [`plugin parameter ${name} (ARGOCD_APP_PARAMETERS)`, params.get(name)],
      [`PARAM_${name}`, env[`PARAM_${name}` as keyof typeof env]],
    ];
    const given = candidates.filter((c): c is [string, string] => c[1] !== undefined);
    const flagged = given.length > 0 && given[0][0].startsWith('--');
    // A flag overrides the rest unseen; otherwise every given value must be sound.
    for (const [source, value] of flagged ? given.slice(0, 1) : given) {
      if (!DnsLabel.safeParse(value).success) {
        throw new UserError(`${name} from ${source} is not a valid ${key} name: it must be a DNS label (lower-case letters, digits and "-")`);
      }
    }
    const fromEnv = given.find(([s]) => s.startsWith('ARGOCD_ENV_'));
    const fromParams = given.find(([s]) => !s.startsWith('ARGOCD_ENV_') && !s.startsWith('--'));
    if (!flagged && fromEnv && fromParams && fromEnv[1] !== fromParams[1]) {
      throw new UserError(`${name} is "${fromEnv[1]}" in ${fromEnv[0]} but "${fromParams[1]}" in ${fromParams[0]}; set it in one place`);
    }
    if (given.length > 0) {
      values[key] = given[0][1];
      sources[key] = given[0][0];
    }
  }
  const how = (key: Key): string => `set the plugin env ${PARAM[key]} in the Application (ARGOCD_ENV_${PARAM[key]}), the plugin parameter ${PARAM[key]}, or --${key}`;
  if (values.cluster === undefined) throw new UserError(`no cluster given: ${how('cluster')}`);
  if (values.namespace === undefined) throw new UserError(`no namespace given: ${how('namespace')}`);
  const selection: Selection = { cluster: values.cluster, namespace: values.namespace, ...(values.release !== undefined ? { release: values.release } : {}) };
  return { selection, sources };
}

function parseParameters(json: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (json === undefined) return out;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new UserError('ARGOCD_APP_PARAMETERS is not valid JSON');
  }
  const parsed = AppParameters.safeParse(data);
  if (!parsed.success) throw new UserError('ARGOCD_APP_PARAMETERS is not a JSON list of {name, string|array|map} plugin parameters');
  for (const p of parsed.data) {
    if (!Object.values(PARAM).includes(p.name)) continue; // not ours; Argo CD only sends what the Application sets
    if (p.string === undefined) {
      if (p.array !== undefined || p.map !== undefined) throw new UserError(`plugin parameter ${p.name} must be a string, not an array or map`);
      continue;
    }
    const value = Value.parse(p.string);
    if (value !== undefined) out.set(p.name, value);
  }
  return out;
}

/** A failure that is not the user's input but must still be reported in one line (exit 1). */
export class GenerateFailure extends UserError {
  override readonly exitCode: number = 1;
}

/** The module shape of a checkout's cli/generate-entry.ts. */
interface CheckoutEntry {
  readonly GENERATE_ENTRY_API: number;
  renderCheckout(selection: Selection): Promise<{ text: string; paths: readonly string[]; warnings: readonly string[] }>;
}

/**
 * One line, no stack, with the checkout's absolute path made relative: Argo CD shows stderr in
 * its UI. Errors from the checkout's own code are instances of ITS UserError class, not ours,
 * so they are recognised by name and exit code.
 */
export function reportable(err: unknown, root: string): UserError {
  if (err instanceof UserError) return err;
  const message = oneLine(err instanceof Error ? err.message : String(err), root);
  const userFacing = err instanceof Error && (err.name === 'UserError' || err.name === 'ConfigError') && typeof (err as { exitCode?: unknown }).exitCode === 'number';
  if (userFacing) return new UserError(message);
  const where = err instanceof Error ? firstFrameIn(err.stack, root) : undefined;
  return new GenerateFailure(`rendering the checkout failed: ${message}${where ? ` (at ${where})` : ''}`);
}

function oneLine(text: string, root: string): string {
  const prefix = root.endsWith(sep) ? root : root + sep;
  const flat = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .split(prefix)
    .join('')
    .split(pathToFileURL(prefix).href)
    .join('');
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

function firstFrameIn(stack: string | undefined, root: string): string | undefined {
  const prefix = root.endsWith(sep) ? root : root + sep;
  const url = pathToFileURL(prefix).href;
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1].startsWith(url) ? m[1].slice(url.length) : m[1].startsWith(prefix) ? m[1].slice(prefix.length) : undefined;
    if (file !== undefined && !file.includes('node_modules')) return `${file}:${m[2]}`;
  }
  return undefined;
}

/**
 * Puts the content-keyed transform cache (cli/transform-cache-hooks.ts) in front of tsx, so a
 * fresh copy of an already seen revision loads fast. MW_GITOPS_TRANSFORM_CACHE=0 turns it off.
 */
function useTransformCache(env: Readonly<Record<string, string | undefined>>): void {
  if (env.MW_GITOPS_TRANSFORM_CACHE === '0') return;
  const readOr = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const tsxVersion = (JSON.parse(readOr(createRequire(import.meta.url).resolve('tsx/package.json')) || '{}') as { version?: string }).version;
  const tsconfig = readOr(env.TSX_TSCONFIG_PATH ?? join(process.cwd(), 'tsconfig.json'));
  registerHooks(new URL('../transform-cache-hooks.ts', import.meta.url), { data: { tsxVersion, tsconfig } });
}

/** Says clearly when `root` is not a checkout generate can render. */
async function checkCheckout(root: string): Promise<void> {
  try {
    await access(join(root, ENTRY_PATH));
    await access(join(root, 'environments', 'deployments.yaml'));
  } catch {
    throw new UserError(`${root} is not an mw-gitops checkout (no ${ENTRY_PATH} or environments/deployments.yaml); run generate in the source repository's root or pass --dir`);
  }
}

/** Imports the checkout's render entry, or says clearly why it cannot. */
async function loadEntry(root: string, env: Readonly<Record<string, string | undefined>>): Promise<CheckoutEntry> {
  const entry = join(root, ENTRY_PATH);
  // The checkout's sources are TypeScript: tsx loads them, behind the content-keyed transform cache.
  await registerTsx();
  useTransformCache(env);
  let mod: Partial<CheckoutEntry>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Partial<CheckoutEntry>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND') {
      const pkg = /Cannot find package '([^']+)'/.exec(e.message)?.[1];
      if (pkg) throw new UserError(`the checkout cannot load package ${pkg}: link the plugin's node_modules into ${root} (the plugin's init step does this)`);
    }
    throw reportable(err, root);
  }
  if (mod.GENERATE_ENTRY_API !== ENTRY_API || typeof mod.renderCheckout !== 'function') {
    throw new UserError(`${ENTRY_PATH} of the checkout speaks generate API ${String(mod.GENERATE_ENTRY_API)}, this mw-gitops speaks ${ENTRY_API}; use a plugin image that matches the revision`);
  }
  return mod as CheckoutEntry;
}

/**
 * Runs `fn` with anything written to stdout diverted to stderr, so a stray console.log in a
 * construct cannot corrupt the YAML stream.
 */
async function withStdoutOnStderr<T>(fn: () => Promise<T>): Promise<T> {
  const original = process.stdout.write;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = original;
  }
}

/**
 * The checkout imports the packages installed with this command (the plugin image's). When the
 * revision pins other runtime dependencies, its render may differ from its dist/: say so.
 */
function dependencySkew(root: string): string | undefined {
  const deps = (file: string): string | undefined => {
    try {
      return JSON.stringify((JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: unknown }).dependencies ?? {});
    } catch {
      return undefined;
    }
  };
  const installed = deps(fileURLToPath(new URL('../../package.json', import.meta.url)));
  const checkout = deps(join(root, 'package.json'));
  if (installed === undefined || checkout === undefined || installed === checkout) return undefined;
  return "the checkout's package.json dependencies differ from the installed mw-gitops's (the plugin image); rebuild the image from this revision if the output differs from its dist/";
}

export interface GenerateOptions extends SelectionFlags {
  readonly dir: string;
}

/**
 * Which code renders the checkout: its own (the render process loads its cli/generate-entry.ts
 * through tsx), or the installed command's, when that is byte for byte the checkout's
 * (cli/installed-code.ts).
 */
export type RenderWith = 'checkout' | 'installed';

/** Renders; returns the YAML stream. Throws a one-line UserError/GenerateFailure on any error. */
export async function runGenerate(options: GenerateOptions, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, using: RenderWith = 'checkout'): Promise<string> {
  const root = resolve(options.dir);
  const started = process.hrtime.bigint();
  try {
    const { selection, sources } = resolveSelection(env, options);
    await checkCheckout(root);
    const result =
      using === 'installed'
        ? await (await import('../generate-entry.js')).renderCheckoutAt(root, selection)
        : await withStdoutOnStderr(async () => {
            const entry = await loadEntry(root, env);
            return entry.renderCheckout(selection);
          });
    if (result.text.length === 0) throw new GenerateFailure('the render produced no objects; refusing to print an empty stream');
    for (const warning of result.warnings) log(`warning: ${oneLine(warning, root)}`);
    const skew = dependencySkew(root);
    if (skew) log(`warning: ${skew}`);
    const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
    const from = KEYS.filter((k) => sources[k]).map((k) => `${k} from ${sources[k]}`).join(', ');
    const code = using === 'installed' ? ", with the installed code (the checkout's is the same)" : '';
    log(`generated ${result.paths.join(' + ')} (${from}) in ${ms} ms${code}`);
    return result.text;
  } catch (err) {
    throw reportable(err, root);
  }
}

export function register(program: Command): void {
  program
    .command('generate')
    .description(
      'Argo CD plugin command: render one cluster/namespace[/release] of the checkout in the current directory ' +
        '(its own constructs and environments) and print only the YAML stream, byte-identical to ' +
        'dist/<cluster>/<namespace>/<release>/manifest.yaml. Without a release, every release of the namespace in that ' +
        'cluster, concatenated in the order of dist/releases.json. Values come from the flags, else the plugin env ' +
        '(ARGOCD_ENV_MW_CLUSTER, ARGOCD_ENV_MW_NAMESPACE, ARGOCD_ENV_MW_RELEASE), else the plugin parameters ' +
        '(ARGOCD_APP_PARAMETERS, PARAM_MW_*); empty values count as unset. On any error stdout stays empty, ' +
        'stderr gets one line, and the exit code is 2 (bad input) or 1.',
    )
    .option('--cluster <name>', 'cluster to render (else MW_CLUSTER from the plugin env or parameters)')
    .option('--namespace <name>', 'namespace to render (else MW_NAMESPACE from the plugin env or parameters)')
    .option('--release <name>', 'one release only (else MW_RELEASE; unset: every release of the namespace)')
    .option('--dir <path>', 'the mw-gitops checkout to render', '.')
    .action(async (opts: GenerateOptions) => {
      const log = (line: string) => process.stderr.write(`mw-gitops generate: ${line}\n`);
      if (process.env[RENDER_CHILD] === '1') {
        // The render process: its fd 1 is the parent's stderr; the YAML goes to fd 3 alone.
        writeAll(RESULT_FD, await runGenerate(opts, process.env, log));
        return;
      }
      // The checkout's own code runs only in the render process; the installed code, when the
      // checkout's is the same, renders here.
      const text = hasInstalledCode(resolve(opts.dir)) ? await runGenerate(opts, process.env, log, 'installed') : await renderInChild();
      checkYamlStream(text);
      // Written once, at the very end: an error before this point leaves stdout empty.
      process.stdout.write(text);
    });
}

/** Set in the render process's environment; its YAML travels on RESULT_FD. */
const RENDER_CHILD = 'MW_GITOPS_GENERATE_RENDER';
const RESULT_FD = 3;

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

/**
 * Runs this same command again as a child whose fd 1 is our stderr: code of the checkout that
 * writes to fd 1 directly (fs.writeSync(1, …), a native addon, a child process inheriting it)
 * cannot reach Argo CD's stdout. Only what the child hands over on fd 3 is printed.
 */
async function renderInChild(): Promise<string> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 2, 'inherit', 'pipe'],
    env: { ...process.env, [RENDER_CHILD]: '1' },
  });
  const chunks: Buffer[] = [];
  (child.stdio[RESULT_FD] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => chunks.push(chunk));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.on('error', (err) => fail(new GenerateFailure(`cannot start the render process: ${err.message}`)));
    child.on('close', (c, s) => done([c, s]));
  });
  if (signal) throw new GenerateFailure(`the render process was killed by ${signal}; nothing was printed`);
  if (code !== 0) throw new ReportedFailure(code ?? 1);
  return Buffer.concat(chunks).toString('utf8');
}

/** The render process already printed its one line; exit with its code, printing nothing more. */
export class ReportedFailure extends UserError {
  constructor(override readonly exitCode: number) {
    super('');
  }
}

/** What goes to stdout must be exactly one valid YAML stream of objects, or nothing at all. */
export function checkYamlStream(text: string): void {
  if (text.trim() === '') throw new GenerateFailure('the render produced no objects; refusing to print an empty stream');
  const stream = readYamlStream(text);
  if (!stream.ok) throw new GenerateFailure(`the render did not produce one valid YAML stream (${stream.error.message}); nothing was printed`);
  if (stream.values.length === 0) throw new GenerateFailure('the render did not produce one valid YAML stream (no documents); nothing was printed');
  const notObject = stream.values.some((value) => value === null || typeof value !== 'object');
  if (notObject) throw new GenerateFailure('the render produced a YAML document that is not a Kubernetes object; nothing was printed');
}
