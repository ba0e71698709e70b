/**
 * An exclusive lock file, so concurrent publishes on one machine never share the cached working
 * copy at the same time. Created with O_EXCL; holds `{pid, host, started}`. A lock whose process
 * is gone (same host) or that is older than `staleMs` is taken over. Waits with jittered polling
 * up to `timeoutMs`, then fails with a message naming the file.
 */
import { promises as fs, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOptions {
  /** Give up waiting after this long. @default 120000 */
  readonly timeoutMs?: number;
  /** A lock older than this is stale even if its process seems alive (pid reuse). @default 900000 */
  readonly staleMs?: number;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  host: string;
  started: number;
  token: string;
}

export class LockTimeoutError extends Error {
  constructor(readonly lockPath: string, readonly holder: string) {
    super(
      `timed out waiting for ${holder} to release ${lockPath}; if no mw-gitops is running, delete that file`,
    );
    this.name = 'LockTimeoutError';
  }
}

const held = new Set<string>();
let exitHookInstalled = false;

export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const staleMs = options.staleMs ?? 900_000;
  const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const content: LockContent = { pid: process.pid, host: hostname(), started: Date.now(), token };
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  installExitHook();
  for (;;) {
    try {
      const handle = await fs.open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(content));
      } finally {
        await handle.close();
      }
      held.add(path);
      return { path, release: () => releaseLock(path, token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder && isStale(holder, staleMs)) {
      await breakStaleLock(path, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockTimeoutError(path, holder?.content ? `mw-gitops (pid ${holder.content.pid})` : 'another process');
    }
    await sleep(delay / 2 + Math.random() * delay);
    delay = Math.min(delay * 1.5, 250);
  }
}

interface Holder {
  readonly raw: string;
  readonly content: LockContent | null;
  readonly mtimeMs: number;
}

async function readHolder(path: string): Promise<Holder | null> {
  try {
    const [raw, stat] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
    let content: LockContent | null = null;
    try {
      content = JSON.parse(raw) as LockContent;
    } catch {
      // being written right now, or garbage
    }
    return { raw, content, mtimeMs: stat.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  const age = Date.now() - holder.mtimeMs;
  if (age > staleMs) return true;
  const c = holder.content;
  // An unreadable lock older than a few seconds is a writer that died between open and write.
  if (!c) return age > 5000;
  return c.host === hostname() && !processAlive(c.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside atomically (rename succeeds for one process only) and checks that
 * what was moved is still the stale lock; if another process replaced it meanwhile, put it back.
 */
async function breakStaleLock(path: string, holder: Holder): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => holder.raw);
  if (moved !== holder.raw) {
    // We took a fresh lock by mistake: restore it unless yet another one exists.
    await fs.link(aside, path).catch(() => undefined);
  }
  await fs.unlink(aside).catch(() => undefined);
}

async function releaseLock(path: string, token: string): Promise<void> {
  held.delete(path);
  const holder = await readHolder(path).catch(() => null);
  if (holder?.content?.token === token) await fs.unlink(path).catch(() => undefined);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const releaseAll = () => {
    for (const path of held) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
    held.clear();
  };
  process.once('exit', releaseAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      releaseAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
