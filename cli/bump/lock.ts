/**
 * A lock file in the repository's git directory, so bumps started together in one clone take
 * turns instead of racing on the same branch (races between clones are handled by the push lease).
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface LockOptions {
  /** Give up after this long. @default 10 minutes */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Called once when the lock is busy. */
  readonly onWait?: (holder: string) => void;
}

export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10 * 60 * 1000;
  const pollMs = options.pollMs ?? 100;
  const me = `${process.pid} ${hostname()}`;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${me}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (holder && isStale(holder)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`another mw-gitops bump holds ${path} (${holder || 'unknown holder'}); remove the file if no bump is running`);
    }
    if (!told) {
      options.onWait?.(holder);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs + Math.floor(Math.random() * pollMs)));
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/** A holder on this host whose process is gone. */
function isStale(holder: string): boolean {
  const [pid, host] = holder.split(' ');
  if (host !== hostname()) return false;
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return true;
  try {
    process.kill(n, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
