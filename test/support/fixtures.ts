/** Small inputs for the pure core, parsed the way the CLI parses files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import * as environments from '../../environments/index.js';
import { parseInputs, type ProjectInputs, type SourceFile } from '../../render/inputs.js';
import { PROJECT } from './cli.js';

/** The real site catalogue, which every render reads. */
export const SITES: SourceFile = { file: 'environments/sites.yaml', text: readFileSync(join(PROJECT, 'environments/sites.yaml'), 'utf8') };

/** The project's service-mesh catalogue, as the CLI reads it. */
export const SERVICES: SourceFile = { file: 'environments/services.yaml', text: readFileSync(join(PROJECT, 'environments/services.yaml'), 'utf8') };

export const IMAGES = `registry: registry.example.org
mw_kinds:
  image: restricted/mediawiki-multiversion
  debug-image: restricted/mediawiki-multiversion-debug
  cli-image: restricted/mediawiki-multiversion-cli
web_repository: restricted/mediawiki-webserver
mw_flavours:
  publish-7.4:
    tag: 2024-10-01-000000-publish-7.4
  publish-8.1:
    tag: 2024-10-01-000000-publish-8.1
web_flavours:
  webserver:
    tag: 2024-10-01-000000-webserver
`;

/** The seed's collapsed example (DESIGN.md, shape 2). */
export const COLLAPSED = `- namespace: mw-web
  releases:
    main: {}
    next: {mw_flavour: publish-8.1}
    canary: {stage: canaries}
  mw_flavour: publish-7.4
  web_flavour: webserver
  debug: false
`;

/** The same deployments, every release field spelled out. */
export const VERBOSE = `- namespace: mw-web
  releases:
    main: {stage: production, mw_flavour: publish-7.4, web_flavour: webserver, deploy: true, mw_kind: image}
    next: {stage: production, mw_flavour: publish-8.1, web_flavour: webserver, deploy: true, mw_kind: image}
    canary: {stage: canaries, mw_flavour: publish-7.4, web_flavour: webserver, deploy: true, mw_kind: image}
  mw_flavour: publish-7.4
  web_flavour: webserver
  clusters: [eqiad, codfw]
`;

/** The seed's "maximally verbose" releases list: flavours only on each release, none on the target. */
export const MAXIMALLY_VERBOSE = `- namespace: mw-web
  releases:
    main: {stage: production, mw_flavour: publish-7.4, web_flavour: webserver, deploy: true, mw_kind: image}
    next: {stage: production, mw_flavour: publish-8.1, web_flavour: webserver, deploy: true, mw_kind: image}
    canary: {stage: canaries, mw_flavour: publish-7.4, web_flavour: webserver, deploy: true, mw_kind: image}
  clusters: [eqiad, codfw]
`;

/** The same deployments in the legacy shape (one entry per release, canary named by main). */
export const LEGACY = `- {namespace: mw-web, release: main, canary: canary, mw_flavour: publish-7.4, web_flavour: webserver, debug: false}
- {namespace: mw-web, release: next, canary: null, mw_flavour: publish-8.1, web_flavour: webserver, debug: false}
`;

export function inputsFrom(deployments: string, images = IMAGES): ProjectInputs {
  return parseInputs(
    { deployments: { file: 'deployments.yaml', text: deployments }, images: { file: 'images.yaml', text: images }, sites: SITES, services: SERVICES },
    environments,
  );
}

/** The ConfigError `fn` throws (any other error is rethrown; no error fails the test). */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
