import { parseDeployments } from '../config/deployments.js';
import { renderProject } from '../render/render.js';
import { COLLAPSED, configError, IMAGES, LEGACY, MAXIMALLY_VERBOSE, VERBOSE, inputsFrom } from './support/fixtures.js';

const summary = (text: string) =>
  parseDeployments('deployments.yaml', text).releases.map((r) => `${r.cluster}/${r.namespace}/${r.release} ${r.stage} ${r.mwFlavour} ${r.webFlavour} ${r.mwKind} ${r.deploy}`);

test('the collapsed shape applies target fields to releases and scap defaults', () => {
  expect(summary(COLLAPSED)).toEqual([
    'codfw/mw-web/canary canaries publish-7.4 webserver image true',
    'codfw/mw-web/main production publish-7.4 webserver image true',
    'codfw/mw-web/next production publish-8.1 webserver image true',
    'eqiad/mw-web/canary canaries publish-7.4 webserver image true',
    'eqiad/mw-web/main production publish-7.4 webserver image true',
    'eqiad/mw-web/next production publish-8.1 webserver image true',
  ]);
});

test('legacy, verbose and collapsed shapes of the same deployments give the same releases.json', () => {
  const index = (text: string) => renderProject(inputsFrom(text)).tree.get('releases.json');
  const collapsed = index(COLLAPSED);
  expect(collapsed).toContain('"release": "next"');
  expect(index(VERBOSE)).toBe(collapsed);
  expect(index(LEGACY)).toBe(collapsed);
  expect(index(MAXIMALLY_VERBOSE)).toBe(collapsed);
});

test('with flavours on neither the release nor its target, the error names the release field and line', () => {
  const text = MAXIMALLY_VERBOSE.replace('next: {stage: production, mw_flavour: publish-8.1, ', 'next: {stage: production, ');
  expect(() => parseDeployments('deployments.yaml', text)).toThrow('deployments.yaml:4: [0].releases.next.mw_flavour: is required: set mw_flavour on the release or on its target ([0].mw_flavour)');
});

test('the wrapper shape reads deploy, mw_kind, clusters and supervision rules', () => {
  const parsed = parseDeployments(
    'd.yaml',
    `deployment_targets:
  - namespace: mw-debug
    releases: {pinkunicorn: {stage: testservers}, next: {stage: testservers, deploy: false}}
    mw_kind: debug-image
    mw_flavour: publish-8.1
    web_flavour: webserver
    clusters: [staging]
    scope: train
supervision_rules:
  - scope: train
    stages:
      testservers: [{commands: [echo ok]}]
      canaries: [{logstash_check: {threshold: 10}}]
`,
  );
  expect(parsed.shape).toBe('targets');
  expect(parsed.releases.map((r) => [r.cluster, r.release, r.deploy, r.mwKind, r.scope])).toEqual([
    ['staging', 'next', false, 'debug-image', 'train'],
    ['staging', 'pinkunicorn', true, 'debug-image', 'train'],
  ]);
  expect(parsed.supervisionRules).toEqual([
    { scope: 'train', stages: { testservers: [{ kind: 'commands', commands: ['echo ok'] }], canaries: [{ kind: 'logstash', threshold: 10 }] } },
  ]);
});

test('legacy debug: true puts the release in testservers', () => {
  expect(summary('- {namespace: mw-debug, release: pinkunicorn, canary: null, mw_flavour: publish-8.1, web_flavour: webserver, debug: true}')).toEqual([
    'codfw/mw-debug/pinkunicorn testservers publish-8.1 webserver image true',
    'eqiad/mw-debug/pinkunicorn testservers publish-8.1 webserver image true',
  ]);
});

test('releases sort by cluster, then stage order, then namespace and release', () => {
  const releases = parseDeployments('d.yaml', `- namespace: mw-web
  releases: {main: {}, canary: {stage: canaries}, debug: {stage: testservers}}
  mw_flavour: publish-8.1
  web_flavour: webserver
  clusters: [eqiad]
`).releases.map((r) => r.release);
  expect(releases).toEqual(['debug', 'canary', 'main']);
});

describe('bad input names the file, the field and the line', () => {
  test('a stage outside the three', () => {
    const err = configError(() => parseDeployments('environments/deployments.yaml', COLLAPSED.replace('{stage: canaries}', '{stage: canary}')));
    expect(err.message).toBe('environments/deployments.yaml:5: [0].releases.canary.stage: must be one of "testservers", "canaries", "production"');
  });

  test('a YAML syntax error, with its line', () => {
    const err = configError(() => parseDeployments('deployments.yaml', 'deployment_targets:\n  - namespace: mw-web\n    releases: {main: {}\n'));
    expect(err.message).toMatch(/^deployments\.yaml:4: YAML syntax error: /);
  });

  test('a namespace twice in one cluster', () => {
    const twice = `${COLLAPSED}- namespace: mw-web\n  releases: {main: {}}\n  mw_flavour: publish-7.4\n  web_flavour: webserver\n  clusters: [codfw]\n`;
    const err = configError(() => parseDeployments('deployments.yaml', twice));
    expect(err.message).toBe('deployments.yaml:9: [1].namespace: namespace "mw-web" appears twice in cluster codfw (also at [0], line 1); a namespace may appear once per cluster');
  });

  test('a namespace that is not a DNS label', () => {
    const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('namespace: mw-web', 'namespace: ../x')));
    expect(err.location).toEqual({ file: 'deployments.yaml', field: '[0].namespace', line: 1 });
    expect(err.problem).toMatch(/must be a DNS label/);
  });

  test('an empty file', () => {
    expect(configError(() => parseDeployments('deployments.yaml', '')).message).toBe('deployments.yaml: the file is empty');
    expect(configError(() => parseDeployments('deployments.yaml', '# only a comment\n')).message).toBe('deployments.yaml: the file is empty');
  });

  test('an unknown field', () => {
    const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('debug: false', 'debgu: false')));
    expect(err.message).toBe('deployments.yaml:8: [0].debgu: unknown field "debgu"');
  });

  test('an unknown flavour names both files and what exists', () => {
    const err = configError(() => inputsFrom(COLLAPSED.replace('{mw_flavour: publish-8.1}', '{mw_flavour: publish-9.9}')));
    expect(err.message).toBe(
      'deployments.yaml:4: [0].releases.next.mw_flavour: unknown mw flavour "publish-9.9": images.yaml defines "publish-7.4", "publish-8.1" under mw_flavours',
    );
  });

  test('a tag that is not a valid OCI tag', () => {
    const err = configError(() => inputsFrom(COLLAPSED, IMAGES.replace('tag: 2024-10-01-000000-webserver', 'tag: ../x')));
    expect(err.location).toEqual({ file: 'images.yaml', field: 'web_flavours.webserver.tag', line: 14 });
    expect(err.problem).toMatch(/must be a valid OCI image tag/);
  });

  test('a release the service profile has no port for', () => {
    const err = configError(() => inputsFrom(COLLAPSED.replace('main: {}', 'main: {}\n    blue: {}')));
    expect(err.message).toMatch(/^deployments\.yaml:4: \[0\]\.releases\.blue: the service profile of mw-web \(environments\/profiles\.ts\) has no NodePort for release "blue"/);
  });
});
