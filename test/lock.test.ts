/**
 * The lock that keeps concurrent publishes out of each other's working copy.
 */
import { existsSync, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { acquireLock, LockTimeoutError } from '../synth/lock.js';
import { tempDir } from './support/git.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

test('a second holder waits until the first releases', async () => {
  const file = path.join(tmp.dir, 'work.lock');
  const events: string[] = [];
  const first = await acquireLock(file);
  events.push('first acquired');
  const second = acquireLock(file).then((lock) => {
    events.push('second acquired');
    return lock;
  });
  // let the second poll a few times
  await new Promise((resolve) => setTimeout(resolve, 100));
  events.push('first releasing');
  await first.release();
  const lock = await second;
  await lock.release();
  expect(events).toEqual(['first acquired', 'first releasing', 'second acquired']);
  expect(existsSync(file)).toBe(false);
});

test('a lock of a process that is gone is taken over', async () => {
  const file = path.join(tmp.dir, 'work.lock');
  await fs.writeFile(file, JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), started: 0, token: 'x' }));
  const lock = await acquireLock(file, { timeoutMs: 2000 });
  expect(JSON.parse(await fs.readFile(file, 'utf8')).pid).toBe(process.pid);
  await lock.release();
  expect(await fs.readdir(tmp.dir)).toEqual([]);
});

test('a live holder makes the wait time out with a message naming the file', async () => {
  const file = path.join(tmp.dir, 'work.lock');
  const held = await acquireLock(file);
  await expect(acquireLock(file, { timeoutMs: 150 })).rejects.toThrow(LockTimeoutError);
  await expect(acquireLock(file, { timeoutMs: 50 })).rejects.toThrow(`release ${file}; if no mw-gitops is running, delete that file`);
  await held.release();
});
