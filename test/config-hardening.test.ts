/**
 * Hostile inputs against the config loaders, in process: names that are JavaScript object keys,
 * numeric-looking keys, wrong types, typos that would silently drop supervision or digests, bytes
 * that are not UTF-8, oversized files and alias bombs. Each fails naming file, field and line, or
 * renders correctly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFiles } from '../synth/config-files.js';
import { parseDeployments } from '../config/deployments.js';
import { parseImages, releaseImages } from '../config/images.js';
import { MAX_RELEASE_NAME } from '../config/names.js';
import { ServiceProfile, checked } from '../config/profile.js';
import { MAX_INPUT_BYTES, decodeInput, parseYamlSource } from '../config/yaml-source.js';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { renderProject } from '../render/render.js';
import { runCli, tempDir } from './support/cli.js';
import { COLLAPSED, configError, IMAGES, inputsFrom, SERVICES, SITES } from './support/fixtures.js';

/** One target in the wrapper shape, with supervision rules of scope `ruleScope`. */
function targets(release = 'main: {}', ruleScope = 'train'): string {
  return `deployment_targets:
  - namespace: mw-web
    scope: train
    releases:
      ${release}
    mw_flavour: publish-7.4
    web_flavour: webserver
supervision_rules:
  - scope: ${ruleScope}
    stages:
      production:
        - logstash_check: {threshold: 150}
`;
}

describe('names that are JavaScript object keys are plain names', () => {
  test.each([
    ['mw_flavour', 'unknown mw flavour "constructor": images.yaml defines "publish-7.4", "publish-8.1" under mw_flavours'],
    ['web_flavour', 'unknown web flavour "constructor": images.yaml defines "webserver" under web_flavours'],
    ['mw_kind', 'unknown mw_kind "constructor": images.yaml defines "cli-image", "debug-image", "image" under mw_kinds'],
  ])('%s: constructor that images.yaml does not define is unknown', (field, problem) => {
    const err = configError(() => inputsFrom(COLLAPSED.replace('next: {mw_flavour: publish-8.1}', `next: {${field}: constructor}`)));
    expect(err.message).toBe(`deployments.yaml:4: [0].releases.next.${field}: ${problem}`);
  });

  test('a flavour and an image kind named constructor that images.yaml defines render their own images', () => {
    const images = IMAGES.replace('mw_kinds:\n', 'mw_kinds:\n  constructor: restricted/own-kind\n').replace('mw_flavours:\n', 'mw_flavours:\n  constructor:\n    tag: own-tag\n');
    const inputs = inputsFrom(COLLAPSED.replace('next: {mw_flavour: publish-8.1}', 'next: {mw_flavour: constructor, mw_kind: constructor}'), images);
    const next = inputs.deployments.releases.find((r) => r.release === 'next')!;
    expect(releaseImages(inputs.images, next).app).toBe('registry.example.org/restricted/own-kind:own-tag');
    const manifest = renderProject(inputs).tree.get('eqiad/mw-web/next/manifest.yaml');
    expect(manifest).toContain('image: registry.example.org/restricted/own-kind:own-tag');
  });

  test('a release named constructor needs its own port like any release', () => {
    const err = configError(() => inputsFrom(COLLAPSED.replace('main: {}', 'main: {}\n    constructor: {}')));
    expect(err.message).toMatch(/^deployments\.yaml:\d+: \[0\]\.releases\.constructor: the service profile of mw-web .* has no NodePort for release "constructor"/);
  });

  test('a release named constructor with a port in the profile renders under its name', () => {
    const mwWeb = environments.profiles.find((p) => p.namespace === 'mw-web')!;
    const profile = checked('profiles.ts', ServiceProfile, { ...mwWeb, ports: { ...mwWeb.ports, constructor: { tls: 4499 } } });
    const typed = { ...environments, profiles: environments.profiles.map((p) => (p === mwWeb ? profile : p)) };
    const inputs = parseInputs(
      { deployments: { file: 'deployments.yaml', text: COLLAPSED.replace('main: {}', 'main: {}\n    constructor: {}') }, images: { file: 'images.yaml', text: IMAGES }, sites: SITES, services: SERVICES },
      typed,
    );
    const manifest = renderProject(inputs).tree.get('eqiad/mw-web/constructor/manifest.yaml')!;
    expect(manifest).toContain('name: mediawiki-constructor-app');
    expect(manifest).toContain('nodePort: 4499');
  });

  test.each(['toString', 'hasOwnProperty', '__proto__'])('a release named %s is not a DNS label', (name) => {
    const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('main: {}', `${name}: {}`)));
    expect(err.location).toEqual({ file: 'deployments.yaml', field: `[0].releases.${name}`, line: 3 });
    expect(err.problem).toMatch(/^must be a DNS label/);
  });

  test('a legacy release named __proto__ or constructor is a name like any other', () => {
    const legacy = (release: string) => `- {namespace: mw-web, release: ${release}, canary: null, mw_flavour: publish-7.4, web_flavour: webserver}\n`;
    expect(configError(() => parseDeployments('deployments.yaml', legacy('__proto__'))).message).toMatch(/^deployments\.yaml:1: \[0\]\.release: must be a DNS label/);
    expect(parseDeployments('deployments.yaml', legacy('constructor')).releases.map((r) => r.release)).toEqual(['constructor', 'constructor']);
  });

  test('a flavour or image kind named __proto__ in images.yaml is refused at its line', () => {
    const flavour = configError(() => parseImages('images.yaml', IMAGES.replace('  publish-8.1:\n', '  __proto__:\n')));
    expect(flavour.location).toEqual({ file: 'images.yaml', field: 'mw_flavours.__proto__', line: 10 });
    expect(flavour.problem).toMatch(/^must be a flavour name/);
    const kind = configError(() => parseImages('images.yaml', IMAGES.replace('  cli-image:', '  __proto__:')));
    expect(kind.location).toEqual({ file: 'images.yaml', field: 'mw_kinds.__proto__', line: 5 });
    expect(kind.problem).toMatch(/^must be an image kind/);
  });

  test('a digest key named constructor names no image kind', () => {
    const images = IMAGES.replace('    tag: 2024-10-01-000000-publish-8.1\n', `    tag: 2024-10-01-000000-publish-8.1\n    digests: {constructor: sha256:${'a'.repeat(64)}}\n`);
    expect(configError(() => parseImages('images.yaml', images)).location).toEqual({ file: 'images.yaml', field: 'mw_flavours.publish-8.1.digests.constructor', line: 12 });
  });
});

describe('keys are the names as written', () => {
  test('a numeric-looking release key stays as written', () => {
    const releases = parseDeployments('deployments.yaml', COLLAPSED.replace('main: {}', '1e3: {}').replace('next: {mw_flavour: publish-8.1}', '0x1f: {}'));
    expect([...new Set(releases.releases.map((r) => r.release))].sort()).toEqual(['0x1f', '1e3', 'canary']);
  });

  test('a numeric-looking key in an error is reported as written, at its line', () => {
    const err = configError(() => parseImages('images.yaml', IMAGES.replace('  publish-8.1:\n', '  1E3:\n')));
    expect(err.location).toEqual({ file: 'images.yaml', field: 'mw_flavours.1E3', line: 10 });
  });
});

describe('a present field of the wrong type says what it is and what is expected', () => {
  test.each([
    ['deploy: no', 'must be a boolean, not the string "no"'],
    ['deploy: 1', 'must be a boolean, not the number 1'],
    ['deploy:', 'must be a boolean, not empty (null)'],
    ['deploy: [true]', 'must be a boolean, not a list'],
    ['mw_flavour: {name: x}', 'must be a string, not a mapping'],
  ])('%s', (field, problem) => {
    const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('canary: {stage: canaries}', `canary: {stage: canaries, ${field}}`)));
    expect(err.message).toBe(`deployments.yaml:5: [0].releases.canary.${field.split(':')[0]}: ${problem}`);
  });

  test('a missing field is still required', () => {
    const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('  web_flavour: webserver\n', '')));
    expect(err.message).toBe('deployments.yaml:3: [0].releases.main.web_flavour: is required: set web_flavour on the release or on its target ([0].web_flavour)');
  });

  test.each([
    ['{logstash_check: {threshold: "150"}}', '[0].logstash_check.threshold: must be a number, not the string "150"'],
    ['{commands: [1]}', '[0].commands[0]: must be a string, not the number 1'],
    ['x', '[0]: must be a mapping, not the string "x"'],
    ['{}', '[0]: must have the fields of one form: {logstash_check} or {commands}'],
    ['{commands: [a], logstash_check: {threshold: 1}}', '[0]: must have the fields of one form: {logstash_check} or {commands}'],
  ])('a supervision check %s is reported where it goes wrong', (check, problem) => {
    const err = configError(() => parseDeployments('deployments.yaml', targets().replace('- logstash_check: {threshold: 150}', `- ${check}`)));
    expect(err.message).toBe(`deployments.yaml:12: supervision_rules[0].stages.production${problem}`);
  });

  test('a list where a mapping belongs', () => {
    const err = configError(() => parseImages('images.yaml', IMAGES.replace(/web_flavours:\n.*\n.*\n/, 'web_flavours: [webserver]\n')));
    expect(err.message).toBe('images.yaml:12: web_flavours: must be a mapping, not a list');
  });
});

describe('typos that would silently drop supervision or pins are errors', () => {
  test('a supervision rule whose scope matches no target', () => {
    expect(parseDeployments('deployments.yaml', targets()).supervisionRules).toHaveLength(1);
    const err = configError(() => parseDeployments('deployments.yaml', targets('main: {}', 'trian')));
    expect(err.message).toBe(
      'deployments.yaml:9: supervision_rules[0].scope: scope "trian" matches no deployment target (the targets\' scopes are "train"), so the rule would supervise nothing',
    );
  });

  test('a digest key that names no image kind', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const mw = IMAGES.replace('    tag: 2024-10-01-000000-publish-8.1\n', `    tag: 2024-10-01-000000-publish-8.1\n    digests:\n      image: ${digest}\n      imgae: ${digest}\n`);
    expect(configError(() => parseImages('images.yaml', mw)).message).toBe(
      'images.yaml:14: mw_flavours.publish-8.1.digests.imgae: "imgae" names no image kind; a digest key must be an image kind of mw_kinds ("cli-image", "debug-image", "image")',
    );
    const web = IMAGES.replace('    tag: 2024-10-01-000000-webserver\n', `    tag: 2024-10-01-000000-webserver\n    digests: {image: ${digest}}\n`);
    expect(configError(() => parseImages('images.yaml', web)).location).toEqual({ file: 'images.yaml', field: 'web_flavours.webserver.digests.image', line: 15 });
    const pinned = IMAGES.replace('    tag: 2024-10-01-000000-webserver\n', `    tag: 2024-10-01-000000-webserver\n    digests: {web: ${digest}}\n`);
    expect(parseImages('images.yaml', pinned).web_flavours.webserver.digests).toEqual({ web: digest });
  });

  test('a registry port out of range', () => {
    const err = configError(() => parseImages('images.yaml', IMAGES.replace('registry: registry.example.org', 'registry: registry.example.org:99999')));
    expect(err.message).toBe('images.yaml:1: registry: must have a port from 1 to 65535');
    expect(parseImages('images.yaml', IMAGES.replace('registry: registry.example.org', 'registry: registry.example.org:5000')).registry).toBe('registry.example.org:5000');
  });
});

test('a release name whose derived container names would exceed 63 characters is refused with the release named', () => {
  const fits = 'r'.repeat(MAX_RELEASE_NAME);
  const tooLong = 'r'.repeat(60);
  expect(MAX_RELEASE_NAME).toBe(35);
  expect(parseDeployments('deployments.yaml', COLLAPSED.replace('main: {}', `${fits}: {}`)).releases.some((r) => r.release === fits)).toBe(true);
  const err = configError(() => parseDeployments('deployments.yaml', COLLAPSED.replace('main: {}', `${tooLong}: {}`)));
  expect(err.location).toEqual({ file: 'deployments.yaml', field: `[0].releases.${tooLong}`, line: 3 });
  expect(err.problem).toBe(
    `release name "${tooLong}" has 60 characters: the container name mediawiki-${tooLong}-mcrouter-exporter would have 88, over Kubernetes' limit of 63; release names may have at most 35 characters`,
  );
});

describe('input files: UTF-8, a size limit, bounded aliases', () => {
  test('a byte that is not UTF-8 is an error naming the file and its line', () => {
    const bad = Buffer.from(targets('main: {}', 'tr\xffin'), 'latin1');
    expect(configError(() => decodeInput('deployments.yaml', bad)).message).toBe('deployments.yaml:9: not valid UTF-8; input files must be UTF-8 text');
    const atTheEnd = Buffer.concat([Buffer.from(targets()), Buffer.from([0xe2, 0x82])]);
    expect(configError(() => decodeInput('deployments.yaml', atTheEnd)).location.line).toBe(13);
    expect(decodeInput('d.yaml', Buffer.from('release: zürich-ü\n'))).toBe('release: zürich-ü\n');
  });

  test('the CLI reader refuses a non-UTF-8 file on disk', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'images.yaml'), IMAGES);
      writeFileSync(join(dir.path, 'deployments.yaml'), Buffer.from(targets('main: {}', 'tr\xe4in'), 'latin1'));
      await expect(readConfigFiles(dir.path, 'cfg')).rejects.toThrow('cfg/deployments.yaml:9: not valid UTF-8; input files must be UTF-8 text');
    } finally {
      dir.cleanup();
    }
  });

  test('a file over the size limit is refused before parsing, with the limit in the message', () => {
    expect(MAX_INPUT_BYTES).toBe(5 * 1024 * 1024);
    const big = `${COLLAPSED}# ${'x'.repeat(MAX_INPUT_BYTES)}\n`;
    expect(configError(() => parseYamlSource('deployments.yaml', big)).message).toBe(
      `deployments.yaml: the file has ${Buffer.byteLength(big)} bytes; input files may have at most 5242880 bytes (5 MB)`,
    );
    expect(configError(() => decodeInput('deployments.yaml', Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20))).message).toMatch(/^deployments\.yaml: the file has 5242881 bytes; /);
  });

  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');

  test('an alias bomb is a user error naming the file', () => {
    const err = configError(() => parseImages('images.yaml', bomb));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('images.yaml: YAML aliases expand too far (more than 100 expansions); write the values out instead of nesting aliases');
  });

  test('synth with an alias bomb exits 2 with one line naming the file', () => {
    const dir = tempDir();
    try {
      const config = join(dir.path, 'environments');
      mkdirSync(config);
      writeFileSync(join(config, 'images.yaml'), bomb);
      writeFileSync(join(config, 'deployments.yaml'), targets());
      writeFileSync(join(config, 'sites.yaml'), SITES.text);
      writeFileSync(join(config, 'services.yaml'), SERVICES.text);
      const run = runCli(['synth', '--config-dir', config, '--out', join(dir.path, 'dist')], { cwd: dir.path });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/^[^\n]*environments\/images\.yaml: YAML aliases expand too far[^\n]*\n$/) });
    } finally {
      dir.cleanup();
    }
  });
});
