/**
 * Errors a user can act on. The CLI prints their message alone and exits 2; anything else is a
 * bug or an environment failure and exits 1.
 */
export class UserError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Where in which input file something is wrong. */
export interface ConfigLocation {
  /** The file as the user named it (relative to the working directory where possible). */
  readonly file: string;
  /** The field path, e.g. `deployment_targets[2].releases.canary.stage`. Empty for the whole file. */
  readonly field?: string;
  /** 1-based line, where known. */
  readonly line?: number;
}

/** Bad input in a config file: the message names the file, the field path and the line. */
export class ConfigError extends UserError {
  readonly location: ConfigLocation;
  readonly problem: string;
  constructor(location: ConfigLocation, problem: string) {
    super(formatLocation(location) + problem);
    this.name = 'ConfigError';
    this.location = location;
    this.problem = problem;
  }
}

export function formatLocation({ file, field, line }: ConfigLocation): string {
  return `${file}${line ? `:${line}` : ''}: ${field ? `${field}: ` : ''}`;
}

/** Joins a field path the way users read YAML: `a.b[2].c`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
