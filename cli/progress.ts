/**
 * Progress lines for long commands: on a terminal they say what is happening (stderr); in CI
 * (the CI variable), when stderr is not a terminal, or with --json, they stay quiet.
 */
export type Progress = (message: string) => void;

export function progressReporter(options: { json?: boolean; env?: NodeJS.ProcessEnv; stream?: { isTTY?: boolean; write(s: string): unknown } } = {}): Progress {
  const env = options.env ?? process.env;
  const stream = options.stream ?? process.stderr;
  const quiet = Boolean(options.json) || !stream.isTTY || (env.CI !== undefined && env.CI !== '' && env.CI !== 'false');
  return quiet ? () => {} : (message) => void stream.write(`… ${message}\n`);
}
