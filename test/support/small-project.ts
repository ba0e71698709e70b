/**
 * A small copy of the real project, for tests whose behaviour is about git, forges, publishing
 * or the command rather than the rendered content: the real environments/ (profiles, images,
 * sites, services, constructs' inputs) with deployments.yaml cut to 12 releases of four
 * namespaces. It renders in a third of the time of the full project; the full project's render
 * is checked where content is the point (synth, validate, parity, the content programs).
 *
 * The kept blocks are spelled exactly as in environments/deployments.yaml, so tests that edit
 * the text (a release's flavour, a removed release) edit the same lines.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT } from './cli.js';

export const SMALL_DEPLOYMENTS = `# environments/deployments.yaml cut to four namespaces (test/support/small-project.ts).
deployment_targets:
  - namespace: mw-debug
    scope: train
    releases:
      pinkunicorn: {stage: testservers}
    mw_kind: debug-image
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
  - namespace: mw-web
    scope: train
    releases:
      main: {}
      canary: {stage: canaries}
      next: {}
      migration: {}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
  - namespace: mw-api-int
    scope: train
    releases:
      main: {}
      migration: {}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
  - namespace: mw-api-ext
    scope: train
    releases:
      main: {}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]

supervision_rules:
  - scope: train
    stages:
      testservers:
        - commands:
            - httpbb /srv/deployment/httpbb-tests/appserver/* --hosts=mwdebug.discovery.wmnet --https_port=4444
      canaries:
        - logstash_check: {threshold: 10}
      production:
        - logstash_check: {threshold: 150}
`;

/**
 * Five releases in eqiad, one per stage and namespace a bump request lists (mw-debug in
 * testservers, mw-web's canary, production in mw-web, mw-api-int and mw-api-ext): what bump's
 * branch, request body and plan need, for tests that render on every bump.
 */
export const BUMP_DEPLOYMENTS = `# environments/deployments.yaml cut to five releases in eqiad (test/support/small-project.ts).
deployment_targets:
  - namespace: mw-debug
    scope: train
    releases:
      pinkunicorn: {stage: testservers}
    mw_kind: debug-image
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
  - namespace: mw-web
    scope: train
    releases:
      main: {}
      canary: {stage: canaries}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
  - namespace: mw-api-int
    scope: train
    releases:
      main: {}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
  - namespace: mw-api-ext
    scope: train
    releases:
      main: {}
    mw_flavour: publish-83
    web_flavour: webserver-bookworm
    clusters: [eqiad]
${SMALL_DEPLOYMENTS.slice(SMALL_DEPLOYMENTS.indexOf('\nsupervision_rules:'))}`;

/** Copies environments/ into `into`/environments with a small deployments.yaml; returns that directory. */
export function copySmallEnvironments(into: string, deployments = SMALL_DEPLOYMENTS): string {
  const dir = join(into, 'environments');
  cpSync(join(PROJECT, 'environments'), dir, { recursive: true });
  writeFileSync(join(dir, 'deployments.yaml'), deployments);
  return dir;
}
