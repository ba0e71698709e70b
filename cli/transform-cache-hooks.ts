/**
 * Node module loader hooks for `mw-gitops generate`: a transform cache keyed by file CONTENT.
 *
 * tsx caches its TypeScript transforms by file path. Argo CD gives the plugin a fresh temporary
 * copy of the repository for every request, so every path is new and every file, including the
 * multi-megabyte generated imports/, would be transformed again (about a second of CPU). This
 * hook sits in front of tsx: it looks a `.ts` module up by the hash of its source (and of the
 * checkout's tsconfig.json, tsx and Node versions) and, on a hit, returns the code tsx produced
 * before with the source map pointed at the current path. Misses go to tsx and are stored.
 * The cache lives in os.tmpdir() (the sidecar's own emptyDir) in a directory only our uid may
 * write; entries unused for a week go.
 * Any cache failure falls back to tsx: the cache can make generate faster, never wrong.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the stored format or what goes into the key changes. */
const FORMAT = 'mw-gitops-transform-cache-1';
const MAP_MARKER = '\n//# sourceMappingURL=data:application/json;base64,';
const WEEK_MS = 7 * 24 * 3600 * 1000;

interface LoadContext {
  readonly format?: string | null;
  readonly [key: string]: unknown;
}
interface LoadResult {
  readonly format?: string | null;
  readonly source?: string | ArrayBuffer | Uint8Array;
  readonly shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;

interface Stored {
  readonly code: string;
  readonly map: Record<string, unknown>;
}

const dir = join(tmpdir(), `mw-gitops-transforms-${process.getuid?.() ?? 'user'}`);
let salt = FORMAT;
let pruned = false;
let trusted: boolean | undefined;

/**
 * Cached code is executed, so the directory must be ours alone: created by us (mode 0700), owned
 * by our uid and not writable by others. Otherwise the cache is not used at all.
 */
function cacheDirTrusted(): boolean {
  if (trusted !== undefined) return trusted;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    trusted = st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
  } catch {
    trusted = false;
  }
  return trusted;
}

export function initialize(data: { tsxVersion?: string; tsconfig?: string } | undefined): void {
  salt = [FORMAT, process.version, data?.tsxVersion ?? '', data?.tsconfig ?? ''].join('\0');
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  if (!cacheDirTrusted()) return nextLoad(url, context);
  const path = fileURLToPath(url);
  let key: string;
  try {
    key = createHash('sha256').update(salt).update('\0').update(String(context.format)).update('\0').update(readFileSync(path)).digest('hex');
  } catch {
    return nextLoad(url, context);
  }
  const entry = join(dir, `${key}.json`);
  const hit = read(entry);
  if (hit) return { format: 'module', source: `${hit.code}${MAP_MARKER}${Buffer.from(JSON.stringify({ ...hit.map, sources: [path] })).toString('base64')}`, shortCircuit: true };

  const result = await nextLoad(url, context);
  store(entry, path, result);
  return result;
}

function read(entry: string): Stored | undefined {
  try {
    const stored = JSON.parse(readFileSync(entry, 'utf8')) as Stored;
    if (typeof stored.code !== 'string' || typeof stored.map !== 'object') return undefined;
    const now = new Date();
    utimesSync(entry, now, now);
    return stored;
  } catch {
    return undefined;
  }
}

function store(entry: string, path: string, result: LoadResult): void {
  try {
    if (result.format !== 'module' || result.source === undefined) return;
    const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
    const at = source.lastIndexOf(MAP_MARKER);
    if (at < 0) return;
    const code = source.slice(0, at);
    // Only path-independent output may be shared between copies.
    if (code.includes(path) || code.includes(pathDir(path))) return;
    const map = JSON.parse(Buffer.from(source.slice(at + MAP_MARKER.length).trim(), 'base64').toString('utf8')) as Record<string, unknown>;
    const tmp = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, JSON.stringify({ code, map: { ...map, sources: [] } }));
    renameSync(tmp, entry);
    pruneOnce();
  } catch {
    // the cache is an optimisation only
  }
}

function pathDir(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** Removes entries not used for a week; once per process, after the first store. */
function pruneOnce(): void {
  if (pruned) return;
  pruned = true;
  setImmediate(() => {
    try {
      const cutoff = Date.now() - WEEK_MS;
      for (const name of readdirSync(dir)) {
        const file = join(dir, name);
        if (statSync(file).mtimeMs < cutoff) unlinkSync(file);
      }
    } catch {
      // best effort
    }
  }).unref();
}
