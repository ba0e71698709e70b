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

/**
 * One deployment target as environments/deployments.yaml spells it: `releases` are the lines
 * under `releases:` (`main: {}`), `clusters` is omitted for the default (eqiad and codfw).
 */
function target(namespace: string, releases: readonly string[], options: { mwKind?: string; clusters?: string } = {}): string {
  return [
    `  - namespace: ${namespace}`,
    '    scope: train',
    '    releases:',
    ...releases.map((r) => `      ${r}`),
    ...(options.mwKind ? [`    mw_kind: ${options.mwKind}`] : []),
    '    mw_flavour: publish-83',
    '    web_flavour: webserver-bookworm',
    ...(options.clusters ? [`    clusters: ${options.clusters}`] : []),
  ].join('\n');
}

const SUPERVISION = `supervision_rules:
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

function deploymentsFile(what: string, targets: readonly string[]): string {
  return `# environments/deployments.yaml cut to ${what} (test/support/small-project.ts).\ndeployment_targets:\n${targets.join('\n')}\n\n${SUPERVISION}`;
}

const DEBUG = target('mw-debug', ['pinkunicorn: {stage: testservers}'], { mwKind: 'debug-image', clusters: '[eqiad]' });
const API_EXT = target('mw-api-ext', ['main: {}'], { clusters: '[eqiad]' });

export const SMALL_DEPLOYMENTS = deploymentsFile('four namespaces', [
  DEBUG,
  target('mw-web', ['main: {}', 'canary: {stage: canaries}', 'next: {}', 'migration: {}']),
  target('mw-api-int', ['main: {}', 'migration: {}'], { clusters: '[eqiad]' }),
  API_EXT,
]);

/**
 * Five releases in eqiad, one per stage and namespace a bump request lists (mw-debug in
 * testservers, mw-web's canary, production in mw-web, mw-api-int and mw-api-ext): what bump's
 * branch, request body and plan need, for tests that render on every bump.
 */
export const BUMP_DEPLOYMENTS = deploymentsFile('five releases in eqiad', [
  DEBUG,
  target('mw-web', ['main: {}', 'canary: {stage: canaries}'], { clusters: '[eqiad]' }),
  target('mw-api-int', ['main: {}'], { clusters: '[eqiad]' }),
  API_EXT,
]);

/** Copies environments/ into `into`/environments with a small deployments.yaml; returns that directory. */
export function copySmallEnvironments(into: string, deployments = SMALL_DEPLOYMENTS): string {
  const dir = join(into, 'environments');
  cpSync(join(PROJECT, 'environments'), dir, { recursive: true });
  writeFileSync(join(dir, 'deployments.yaml'), deployments);
  return dir;
}
