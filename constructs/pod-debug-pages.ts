import type { PodPart, PodPartContext } from './pod-part.js';
import * as files from './release-config.js';

/** mw-debug's /w/debug pages, in both main containers (httpd serves them, php-fpm runs them). */
export function debugPagesPart({ release }: PodPartContext): PodPart {
  if (!release.profile.debugPhpFiles) return {};
  const mount = { name: 'debug-php-files', mountPath: '/srv/mediawiki/w/debug', readOnly: true };
  return {
    volumes: [{ name: 'debug-php-files', configMapFiles: files.debugPhpFiles() }],
    mounts: [
      { into: 'app', mount },
      { into: 'httpd', mount },
    ],
  };
}
