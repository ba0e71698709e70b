/**
 * Parity with production: each vendored production render (test/fixtures/production, what
 * Wikimedia's chart renders for eqiad) against our render of the same release, in process. The
 * hard facts must all hold (a pod that would not serve, or serve differently); the finer ones must
 * hold for at least 90% (the figure is printed). Deliberate differences are normalised away in one
 * list (test/support/parity.ts) that docs/parity.md shows too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { renderProject } from '../render/render.js';
import { checkEnvoyBootstrap } from '../validate/programs/envoy.js';
import { productionReleases } from './programs/production.js';
import { DELIBERATE_DIFFERENCES, RELEASE_NAMES, counterpart, egressAllows, releaseFacts, type ReleaseFacts } from './support/parity.js';
import { readConfigFiles } from '../synth/config-files.js';
import { PROJECT } from './support/cli.js';

const production = productionReleases();
const ourName = (namespace: string, release: string): string => RELEASE_NAMES[`${namespace}/${release}`] ?? release;
const wanted = new Set(production.map((p) => `eqiad/${p.namespace}/${ourName(p.namespace, p.release)}/manifest.yaml`));
const inputs = parseInputs(
  await readConfigFiles(join(PROJECT, 'environments'), 'environments'),
  environments,
);
const ours = renderProject(inputs, { only: (r) => wanted.has(`${r.cluster}/${r.namespace}/${r.release}/manifest.yaml`) });

interface Pair {
  readonly name: string;
  readonly theirs: ReleaseFacts;
  readonly ours: ReleaseFacts | undefined;
}

const pairs: Pair[] = production.map((p) => {
  const release = ourName(p.namespace, p.release);
  const file = ours.files.find((f) => f.path === `eqiad/${p.namespace}/${release}/manifest.yaml`);
  return { name: `${p.namespace}/${p.release}`, theirs: releaseFacts(p.objects, p.release), ours: file && releaseFacts(file.objects as Record<string, any>[], release) };
});
const table = pairs.map((p) => [p.name, p] as const);

const missing = <T>(theirs: readonly T[], ours: readonly T[]): T[] => theirs.filter((t) => !ours.includes(t));

describe.each(table)('%s: the hard facts', (_name, { theirs, ours }) => {
  test('we render the release', () => expect(ours).toBeDefined());
  if (!ours) return;

  test('every production container exists, with its arguments', () => {
    for (const [name, container] of theirs.containers) expect({ name, args: ours.containers.get(name)?.args }).toEqual({ name, args: container.args });
  });

  test('every production ConfigMap has a counterpart', () => {
    expect([...theirs.configMaps.keys()].filter((name) => !counterpart(name, ours.configMaps))).toEqual([]);
  });

  test('replicas and NodePorts are equal', () => {
    expect(ours.nodePorts).toEqual(theirs.nodePorts);
    if (ours.replicas !== null) expect(ours.replicas).toBe(theirs.replicas);
  });

  test("the envoy bootstrap decodes strictly against envoy's v3 protos", () => {
    expect(ours.envoyBootstraps.length).toBeGreaterThan(0);
    for (const { configMap, text } of ours.envoyBootstraps) expect(checkEnvoyBootstrap(text, { file: configMap })).toEqual([]);
  });

  test('an in-pod mcrouter has the same pools and routes', () => {
    expect(ours.mcrouterConfig).toEqual(theirs.mcrouterConfig);
  });

  test("sites-enabled is not hidden, and php-fpm's env files are .inc", () => {
    expect(ours.sitesEnabledDirectoryMounts).toBe(0);
    expect(ours.phpEnvFiles.length).toBeGreaterThan(0);
    expect(ours.phpEnvFiles.filter((f) => !f.endsWith('.inc'))).toEqual([]);
  });
});

/** One finer fact of one release: holds, or what differs. */
interface Finding {
  readonly release: string;
  readonly fact: string;
  readonly differs?: string;
}

const list = (values: readonly string[]): string => (values.length > 6 ? `${values.slice(0, 6).join(', ')} … (${values.length})` : values.join(', '));

/** A fact that holds when both sides have the same set: says what each side lacks. */
function sameSet(theirs: readonly string[], ours: readonly string[]): string | undefined {
  const lacking = missing(theirs, ours);
  const extra = missing(ours, theirs);
  if (!lacking.length && !extra.length) return undefined;
  return [lacking.length ? `missing ${list(lacking)}` : '', extra.length ? `extra ${list(extra)}` : ''].filter(Boolean).join('; ');
}

/** The finer facts, one row each: a release's container env names, its mounts, each ConfigMap's keys, egress, SANs, vhosts, listeners, rsyslog. */
function finerFacts({ name, theirs, ours }: Pair): Finding[] {
  if (!ours) return [{ release: name, fact: 'rendered', differs: 'not rendered' }];
  const facts: Finding[] = [];
  const fact = (what: string, differs: string | undefined) => facts.push({ release: name, fact: what, ...(differs ? { differs } : {}) });
  for (const [container, c] of theirs.containers) {
    const our = ours.containers.get(container);
    fact(`env names of ${container}`, our ? sameSet(c.env, our.env) : 'no such container');
    fact(`mounts of ${container}`, our ? sameSet(c.mounts, our.mounts) : 'no such container');
  }
  for (const [configMap, keys] of theirs.configMaps) {
    if (configMap === 'httpd-sites-config') continue; // file names differ on purpose; the vhost names are compared below
    const name = counterpart(configMap, ours.configMaps);
    const our = name === undefined ? undefined : ours.configMaps.get(name);
    fact(`keys of ConfigMap ${configMap}`, our ? sameSet(keys, our) : 'no counterpart');
  }
  const closed = theirs.egress.filter((port) => !egressAllows(ours.egress, port));
  fact('egress ports', closed.length ? `closed: ${list(closed)}` : undefined);
  const sans = missing(theirs.sans, ours.sans);
  fact('certificate SANs', sans.length ? `missing ${list(sans)}` : undefined);
  fact('vhost names', sameSet(theirs.vhostNames, ours.vhostNames));
  fact('envoy listeners', sameSet(theirs.listeners, ours.listeners));
  fact('rsyslog inputs', sameSet(theirs.rsyslogInputs, ours.rsyslogInputs));
  fact('rsyslog outputs', sameSet(theirs.rsyslogOutputs, ours.rsyslogOutputs));
  return facts;
}

test('at least 90% of the finer facts hold (env names, mounts, ConfigMap keys, egress ports, SANs, vhosts, listeners, rsyslog)', () => {
  const findings = pairs.flatMap(finerFacts);
  const holding = findings.filter((f) => !f.differs).length;
  const percent = (100 * holding) / findings.length;
  const failing = findings.filter((f) => f.differs).map((f) => `  ${f.release}: ${f.fact}: ${f.differs}`);
  console.log(`parity: ${holding} of ${findings.length} finer facts hold (${percent.toFixed(1)}%)${failing.length ? `; differing:\n${failing.join('\n')}` : ''}`);
  expect(percent).toBeGreaterThanOrEqual(90);
});

test('production decodes too, so the envoy check judges fairly', () => {
  const mwWebMain = pairs.find((p) => p.name === 'mw-web/main')!;
  for (const { configMap, text } of mwWebMain.theirs.envoyBootstraps) expect(checkEnvoyBootstrap(text, { file: configMap })).toEqual([]);
});

test('docs/parity.md lists every deliberate difference the test normalises', () => {
  const doc = readFileSync(join(PROJECT, 'docs/parity.md'), 'utf8');
  expect(DELIBERATE_DIFFERENCES.filter((d) => !doc.includes(`| ${d.what} |`)).map((d) => d.what)).toEqual([]);
});
