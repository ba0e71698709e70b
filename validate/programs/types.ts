/**
 * Types of the checks that hand rendered content to the program that reads it (envoy's protos,
 * apache2, php-fpm, rsyslogd). Pure data.
 */

/** Where a config file came from: the tree file, and the object and key that hold it. */
export interface ContentSource {
  /** The tree file, e.g. `eqiad/mw-web/main/manifest.yaml`, or the config file's own name. */
  readonly file: string;
  /** The object holding the content, e.g. `ConfigMap mw-web/mediawiki-main-envoy-config`. */
  readonly object?: string;
}

/** One thing the program refuses. */
export interface ProgramViolation extends ContentSource {
  /** Which check found it: `envoy`, `apache2`, `php-fpm`, `rsyslogd`. */
  readonly program: string;
  /** Field path inside the content, e.g. `static_resources.listeners[0].name`. */
  readonly field?: string;
  /** 1-based line inside the content, where the program names one. */
  readonly line?: number;
  /** One sentence, e.g. the program's own error message. */
  readonly message: string;
}

/** What one check reports: its violations, or why it could not run. */
export interface ProgramCheckResult {
  readonly program: string;
  readonly violations: readonly ProgramViolation[];
  /** Set when the check did not run, e.g. `skipped: apache2 not installed`: never a silent pass. */
  readonly skipped?: string;
}
