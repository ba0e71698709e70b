/**
 * `rsyslogd -N1` on the rendered `/etc/rsyslog.d` files under the rsyslog image's own main config
 * (rsyslog-image/rsyslog.conf), with Debian's rsyslog and rsyslog-kafka modules.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, runProgram, skipped } from './run.js';
import type { ContentSource, ProgramCheckResult, ProgramViolation } from './types.js';

const MAIN_CONFIG = fileURLToPath(new URL('./rsyslog-image/rsyslog.conf', import.meta.url));
const MOUNT = '/etc/rsyslog.d';

export interface RsyslogInput {
  /** Files mounted into /etc/rsyslog.d by name (`*.conf` are included; rulebases such as `*.rb` are read by them). */
  readonly files: Readonly<Record<string, string>>;
}

/** `rsyslogd -N1`; every error line is a violation naming the file and line rsyslog names. */
export function checkRsyslogConfig(input: RsyslogInput, source: ContentSource): ProgramCheckResult {
  const rsyslogd = findProgram('rsyslogd');
  if (!rsyslogd) return skipped('rsyslogd');
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-gitops-rsyslog-'));
  try {
    const mount = path.join(dir, 'rsyslog.d');
    const spool = path.join(dir, 'spool');
    mkdirSync(mount);
    mkdirSync(spool);
    const relocate = (text: string): string => text.replaceAll(`${MOUNT}/`, `${mount}/`);
    const main = relocate(readFileSync(MAIN_CONFIG, 'utf8')).replace('/var/spool/rsyslog', spool);
    writeFileSync(path.join(dir, 'rsyslog.conf'), main);
    for (const [name, text] of Object.entries(input.files)) writeFileSync(path.join(mount, name), relocate(text));
    const result = runProgram(rsyslogd, ['-N1', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')]);
    if (result.status === 0) return { program: 'rsyslogd', violations: [] };
    const violations: ProgramViolation[] = result.output
      .split('\n')
      .filter((l) => /^rsyslogd: /.test(l) && !/config validation run|End of config validation/.test(l))
      .map((l) => {
        const at = /file (\S+?), on or before line (\d+)/.exec(l);
        const message = l.replace(/^rsyslogd: /, '').replace(/ \[v8[^\]]*\]$/, '').replaceAll(`${mount}/`, '');
        const field = at ? path.relative(dir, at[1]) : undefined;
        return { program: 'rsyslogd', ...source, ...(field ? { field } : {}), ...(at ? { line: Number(at[2]) } : {}), message };
      });
    return { program: 'rsyslogd', violations: violations.length ? violations : [{ program: 'rsyslogd', ...source, message: result.output.trim() }] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
