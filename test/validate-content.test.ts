/**
 * `validate` hands every config file a pod reads to the program that reads it: an envoy field put
 * back on the wrong message, or a vhost typo, fails validation (exit 2) naming the tree file, the
 * ConfigMap key and the field path or line. In process through runValidate; the command runs once.
 * Both mistakes are made in one tree (in two different ConfigMaps of mw-web main), validated once
 * in process and once by the command: each test looks for its own violation in that result.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readYamlDocument } from '../config/yaml-stream.js';
import * as environments from '../environments/index.js';
import { runValidate } from '../cli/commands/validate.js';
import { parseInputs } from '../render/inputs.js';
import { manifestText, renderProject } from '../render/render.js';
import { writeTreeAtomically } from '../synth/tree-io.js';
import { readConfigFiles } from '../synth/config-files.js';
import { PROJECT, runCli, tempDir } from './support/cli.js';
import './support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

type Obj = Record<string, any>;

const TARGET = 'eqiad/mw-web/main/manifest.yaml';
const inputs = parseInputs(
  await readConfigFiles(join(PROJECT, 'environments'), 'environments'),
  environments,
);
const registry = inputs.images.registry;
const ours = renderProject(inputs, { only: (r) => r.cluster === 'eqiad' && r.namespace === 'mw-web' && r.release === 'main' });
const objects = (): Obj[] => structuredClone(ours.files.find((f) => f.path === TARGET)!.objects) as Obj[];
const configMap = (objs: Obj[], name: RegExp): Obj => objs.find((o) => o.kind === 'ConfigMap' && name.test(o.metadata.name))!;

/** The ingress listener's HttpConnectionManager with the x-client-ip header moved from its route_config onto itself. */
function misplaceEnvoyHeader(objs: Obj[]): { cm: Obj; field: string } {
  const cm = configMap(objs, /envoy-config/);
  const bootstrap = readYamlDocument(cm.data['envoy.yaml']) as any;
  const listeners: Obj[] = bootstrap.static_resources.listeners;
  const li = listeners.findIndex((l) => l.filter_chains?.[0]?.transport_socket);
  const hcm = listeners[li].filter_chains[0].filters[0].typed_config;
  hcm.request_headers_to_add = hcm.route_config.request_headers_to_add ?? hcm.request_headers_to_add;
  delete hcm.route_config.request_headers_to_add;
  cm.data['envoy.yaml'] = stringify(bootstrap);
  return { cm, field: `static_resources.listeners[${li}].filter_chains[0].filters[0].typed_config.request_headers_to_add` };
}

/** A directive misspelled at the end of the first site file. */
function misspellVhost(objs: Obj[]): { cm: Obj; key: string; line: number } {
  const cm = configMap(objs, /httpd-sites/);
  const key = Object.keys(cm.data).sort()[0];
  cm.data[key] = `${cm.data[key]}RewriteEngin On\n`;
  return { cm, key, line: cm.data[key].split('\n').length - 1 };
}

async function validateTree(objs: Obj[], dir: string) {
  await writeTreeAtomically(dir, new Map([[TARGET, manifestText(objs)]]));
  return runValidate({ configDir: join(PROJECT, 'environments'), dist: dir, registry });
}

const work = tempDir();
afterAll(() => work.cleanup());

/** mw-web main with both mistakes, written to <work>/dist and validated in process (on first use). */
let brokenTree: ReturnType<typeof breakBoth> | undefined;
async function breakBoth() {
  const objs = objects();
  const envoy = misplaceEnvoyHeader(objs);
  const vhost = misspellVhost(objs);
  const dir = join(work.path, 'dist');
  const { content } = await validateTree(objs, dir);
  return { envoy, vhost, dir, content: content! };
}
const broken = () => (brokenTree ??= breakBoth());

test('an envoy field on HttpConnectionManager instead of its route_config is named by file, object and field path', async () => {
  const { envoy: { cm, field }, content } = await broken();
  expect(content.violations).toContainEqual({
    program: 'envoy',
    file: TARGET,
    object: `ConfigMap mw-web/${cm.metadata.name} data.envoy.yaml`,
    field,
    message: expect.stringContaining('unknown field "request_headers_to_add"'),
  });
});

test('a misspelled vhost directive fails apache2 -t with the site file and line, and the command exits 2', async () => {
  const { vhost: { cm, key, line }, dir, content } = await broken();
  const found = content.violations.filter((v) => v.program === 'apache2' && v.object === `ConfigMap mw-web/${cm.metadata.name} data.${key}`);
  expect(found).toEqual([expect.objectContaining({ file: TARGET, field: expect.stringMatching(/^sites-enabled\//), line, message: expect.stringContaining("Invalid command 'RewriteEngin'") })]);

  const run = runCli(['validate', '--dist', dir, '--registry', registry]);
  expect(run.status).toBe(2);
  expect(run.stdout).toMatch(/\nContent checks: .*apache2 \d+.* in \d+ program runs?: \d+ violations?\.\n/);
  expect(run.stdout).toContain(`${TARGET}: ConfigMap mw-web/${cm.metadata.name} data.${key}\n  [apache2] ${found[0].field} line ${line}: Invalid command 'RewriteEngin'`);
  expect(run.stderr).toMatch(/^mw-gitops: validation failed: \d+ content violations? \(listed above\)\.\n$/);
});
