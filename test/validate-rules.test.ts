/**
 * Each rule of the validation pass fires on a crafted bad object, names the object and field,
 * and stays silent on the good fixture tree (test/support/validate-fixtures.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import { parseImageRef as parseImage } from '../config/image-ref.js';
import {
  POLICY_EXCEPTIONS_ANNOTATION,
  RULES,
  formatReport,
  parseManifests,
  policyExceptionsAnnotation,
  reportJson,
  validateObjects,
  type ObjectFile,
  type ValidateOptions,
  type Violation,
} from '../validate/index.js';
import { PROJECT } from './support/cli.js';
import { APP_IMAGE, REGISTRY, applicationSet, clone, goodTree, releaseObjects } from './support/validate-fixtures.js';

type Any = any; // crafted objects are edited freely

const MAIN = 'eqiad/mw-web/main/manifest.yaml';
const options: ValidateOptions = { registry: REGISTRY };

function run(edit: (tree: Any[]) => void, opts: Partial<ValidateOptions> = {}) {
  const tree = goodTree().map((f) => ({ path: f.path, objects: clone(f.objects) })) as Any[];
  edit(tree);
  return validateObjects(tree as ObjectFile[], { ...options, ...opts });
}

/** The fixture objects of mw-web main, by kind. */
const main = (tree: Any[], kind: string): Any => tree[0].objects.find((o: Any) => o.kind === kind);
const appContainer = (tree: Any[]): Any => main(tree, 'Rollout').spec.template.spec.containers[0];
const httpdContainer = (tree: Any[]): Any => main(tree, 'Rollout').spec.template.spec.containers[1];

const brief = (v: Violation) => ({ rule: v.rule, kind: v.object.kind, name: v.object.name, field: v.field });

test('the good tree validates clean, and the pass says what it checked', () => {
  const result = validateObjects(goodTree(), options);
  expect(result.violations).toEqual([]);
  expect(result.checkedObjects).toBe(15);
  expect(result.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
  // No schema for cert-manager at hand: named, never silently passed.
  expect(result.unvalidatedKinds).toEqual(['cert-manager.io/v1 Certificate']);
  expect(formatReport(result)).toMatch(/^Checked 15 objects against 23 rules: no violations\.\nNot schema-validated \(no schema at hand\): cert-manager\.io\/v1 Certificate\.\n$/);
});

/** [rule, edit, expected violation (subset), message pattern] */
const cases: [string, (t: Any[]) => void, Partial<ReturnType<typeof brief>>, RegExp][] = [
  ['schema', (t) => (main(t, 'Rollout').spec.strategy.canary.steps[0].setWeight = '10'), { kind: 'Rollout', name: 'mediawiki-main', field: 'spec.strategy.canary.steps[0].setWeight' }, /^Rollout mw-web\/mediawiki-main: spec\.strategy\.canary\.steps\[0\]\.setWeight must be integer$/],
  ['schema', (t) => (main(t, 'Service').spec.ports[0].port = 'https'), { kind: 'Service', field: 'spec.ports[0].port' }, /spec\.ports\[0\]\.port must be integer$/],
  ['schema', (t) => (main(t, 'Service').spec.type = 'Nodeport'), { kind: 'Service', field: 'spec.type' }, /spec\.type must be one of .*"NodePort"/],
  ['schema', (t) => delete main(t, 'Rollout').spec.template.spec.containers[0].name, { kind: 'Rollout', field: 'spec.template.spec.containers[0].name' }, /containers\[0\]\.name is required/],
  ['schema', (t) => (main(t, 'ConfigMap').metadata.name = 'Config_Map'), { kind: 'ConfigMap', field: 'metadata.name' }, /DNS-1123 subdomain/],
  ['schema', (t) => (main(t, 'Rollout').spec.template.spec.containers[0].resources.limits.memory = '1 GB'), { kind: 'Rollout', field: 'spec.template.spec.containers[0].resources.limits.memory' }, /limits\.memory must be number or a valid quantity$/],
  ['schema', (t) => (main(t, 'AnalysisTemplate').spec.metrics[0].failureLimit = { n: 1 }), { kind: 'AnalysisTemplate', field: 'spec.metrics[0].failureLimit' }, /failureLimit must be integer or string$/],
  ['schema', (t) => (t[2].objects[0].spec.generators[0].list.elements = 'none'), { kind: 'ApplicationSet', field: 'spec.generators[0].list.elements' }, /must be array/],
  ['unknown-field', (t) => (appContainer(t).imagePullPolcy = 'Always'), { kind: 'Rollout', field: 'spec.template.spec.containers[0].imagePullPolcy' }, /^Rollout mw-web\/mediawiki-main: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"$/],
  ['unknown-field', (t) => (main(t, 'Service').spec.externalTrafficPolcy = 'Local'), { kind: 'Service', field: 'spec.externalTrafficPolcy' }, /unknown field "spec\.externalTrafficPolcy"/],
  ['unknown-field', (t) => (main(t, 'ConfigMap').metadata.lables = { a: 'b' }), { kind: 'ConfigMap', field: 'metadata.lables' }, /unknown field "metadata\.lables"/],
  ['unknown-field', (t) => (main(t, 'Rollout').spec.strategy.canary.steps[0].setWieght = 5), { kind: 'Rollout', field: 'spec.strategy.canary.steps[0].setWieght' }, /unknown field/],
  ['unknown-field', (t) => (main(t, 'AnalysisTemplate').spec.metrics[1].provider.job.spec.template.spec.containers[0].comand = ['x']), { kind: 'AnalysisTemplate', field: 'spec.metrics[1].provider.job.spec.template.spec.containers[0].comand' }, /unknown field/],
  ['unknown-field', (t) => (t[2].objects[0].spec.template.spec.source.pth = 'x'), { kind: 'ApplicationSet', field: 'spec.template.spec.source.pth' }, /unknown field/],
  ['policy-exception', (t) => (main(t, 'Rollout').metadata.annotations = { [POLICY_EXCEPTIONS_ANNOTATION]: 'no-such-rule=because' }), { kind: 'Rollout' }, /names no known rule/],
  ['policy-exception', (t) => (main(t, 'Rollout').spec.template.metadata.annotations = { [POLICY_EXCEPTIONS_ANNOTATION]: 'probes' }), { kind: 'Rollout', field: 'spec.template.metadata.annotations["mw-gitops.wikimedia.org/policy-exceptions"]' }, /policy exception "probes" gives no reason/],
  ['policy-exception', (t) => (main(t, 'AnalysisTemplate').spec.metrics[1].provider.job.spec.template.metadata = { annotations: { [POLICY_EXCEPTIONS_ANNOTATION]: 'resources' } }), { field: 'spec.metrics[1].provider.job.spec.template.metadata.annotations["mw-gitops.wikimedia.org/policy-exceptions"]' }, /gives no reason/],
  ['policy-exception', (t) => (main(t, 'Service').metadata.annotations = { [POLICY_EXCEPTIONS_ANNOTATION]: 'schema=trust me' }), { kind: 'Service' }, /cannot be waived/],
  ['resources-requests', (t) => delete appContainer(t).resources.requests, { kind: 'Rollout', field: 'spec.template.spec.containers[0].resources.requests.cpu' }, /container "mediawiki-main-app" requests no cpu and memory/],
  ['resources-requests', (t) => delete main(t, 'AnalysisTemplate').spec.metrics[1].provider.job.spec.template.spec.containers[0].resources.requests.memory, { kind: 'AnalysisTemplate' }, /container "check" requests no memory/],
  ['resources-memory-limit', (t) => delete httpdContainer(t).resources.limits, { kind: 'Rollout', field: 'spec.template.spec.containers[1].resources.limits.memory' }, /container "mediawiki-main-httpd" has no memory limit/],
  ['probes', (t) => delete httpdContainer(t).readinessProbe, { kind: 'Rollout', field: 'spec.template.spec.containers[1].readinessProbe' }, /serving container "mediawiki-main-httpd" \(it has ports\) has no readinessProbe/],
  // With the pod-level field gone as well, the container inherits nothing.
  [
    'security-run-as-non-root',
    (t) => {
      delete main(t, 'Rollout').spec.template.spec.securityContext.runAsNonRoot;
      delete appContainer(t).securityContext.runAsNonRoot;
    },
    { field: 'spec.template.spec.containers[0].securityContext.runAsNonRoot' },
    /container "mediawiki-main-app" does not set runAsNonRoot: true/,
  ],
  ['security-run-as-non-root', (t) => (appContainer(t).securityContext.runAsNonRoot = false), { field: 'spec.template.spec.containers[0].securityContext.runAsNonRoot' }, /does not set runAsNonRoot: true/],
  ['security-run-as-non-root', (t) => (main(t, 'Rollout').spec.template.spec.securityContext.runAsUser = 0), { field: 'spec.template.spec.containers[0].securityContext.runAsUser' }, /runs as user 0/],
  ['security-privilege-escalation', (t) => delete httpdContainer(t).securityContext.allowPrivilegeEscalation, { field: 'spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation' }, /does not set allowPrivilegeEscalation: false/],
  ['security-privilege-escalation', (t) => (httpdContainer(t).securityContext.privileged = true), {}, /is privileged/],
  ['security-capabilities', (t) => (appContainer(t).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_PTRACE'] }), { field: 'spec.template.spec.containers[0].securityContext.capabilities.add' }, /adds capabilities SYS_PTRACE/],
  ['security-capabilities', (t) => (appContainer(t).securityContext.capabilities = { drop: ['NET_RAW'] }), {}, /does not drop ALL capabilities/],
  ['security-seccomp', (t) => (appContainer(t).securityContext.seccompProfile = { type: 'Unconfined' }), {}, /with seccompProfile Unconfined \(want RuntimeDefault/],
  ['host-path', (t) => main(t, 'Rollout').spec.template.spec.volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }), { field: 'spec.template.spec.volumes[3].hostPath.path' }, /volume "docker" mounts hostPath \/var\/run\/docker\.sock, which is not on the allow-list/],
  ['host-path', (t) => main(t, 'Rollout').spec.template.spec.volumes.push({ name: 'code', hostPath: { path: '/srv/mediawiki' } }), {}, /hostPath \/srv\/mediawiki, which only namespace mw-experimental may mount \(this is mw-web\)/],
  ['host-path', (t) => (httpdContainer(t).volumeMounts[1].readOnly = false), { field: 'spec.template.spec.containers[1].volumeMounts[1].readOnly' }, /mounts hostPath \/usr\/share\/GeoIP \(volume "geoip"\) read-write/],
  ['image-registry', (t) => (httpdContainer(t).image = 'docker.io/library/httpd:2.4'), { field: 'spec.template.spec.containers[1].image' }, /image docker\.io\/library\/httpd:2\.4 is not from the registry docker-registry\.discovery\.wmnet/],
  ['image-registry', (t) => (httpdContainer(t).image = `${REGISTRY}.evil.example/x:1`), {}, /is not from the registry/],
  ['image-tag', (t) => (appContainer(t).image = `${REGISTRY}/restricted/mediawiki-multiversion:latest`), {}, /uses the tag latest/],
  ['image-tag', (t) => (appContainer(t).image = `${REGISTRY}/restricted/mediawiki-multiversion`), {}, /has no tag or digest/],
  ['node-port-unique', (t) => (t[1].objects.find((o: Any) => o.kind === 'Service').spec.ports[0].nodePort = 4450), { kind: 'Service', name: 'mediawiki-main-tls-service', field: 'spec.ports[0].nodePort' }, /nodePort 4450 is also used in cluster eqiad by Service mw-web\/mediawiki-next-tls-service \(eqiad\/mw-web\/next\/manifest\.yaml\)/],
  ['workload-selector', (t) => (main(t, 'Rollout').spec.selector.matchLabels.release = 'mian'), { kind: 'Rollout', field: 'spec.selector' }, /spec\.selector does not match the labels of spec\.template/],
  ['ref-service-selector', (t) => (main(t, 'Service').spec.selector.routed_via = 'gone'), { kind: 'Service', field: 'spec.selector' }, /selector \{"app":"mediawiki","routed_via":"gone"\} matches no pod template of a workload in namespace mw-web of cluster eqiad/],
  ['ref-analysis-template', (t) => (main(t, 'AnalysisTemplate').metadata.name = 'renamed'), { kind: 'Rollout', field: 'spec.strategy.canary.steps[2].analysis.templates[0].templateName' }, /uses AnalysisTemplate "mediawiki-main-logstash", which is not rendered in namespace mw-web of cluster eqiad/],
  ['ref-analysis-template', (t) => (main(t, 'Rollout').spec.strategy.canary.steps[2].analysis.templates[0].clusterScope = true), {}, /uses ClusterAnalysisTemplate "mediawiki-main-logstash", which is not rendered in cluster eqiad/],
  ['ref-configmap', (t) => (main(t, 'ConfigMap').metadata.name = 'mediawiki-main-config-def456'), { kind: 'Rollout', field: 'spec.template.spec.volumes[0].configMap.name' }, /uses ConfigMap "mediawiki-main-config-abc123", which is not rendered in namespace mw-web of cluster eqiad/],
  ['ref-configmap', (t) => (appContainer(t).envFrom = [{ configMapRef: { name: 'env' } }]), { field: 'spec.template.spec.containers[0].envFrom[0].configMapRef.name' }, /container "mediawiki-main-app" uses ConfigMap "env"/],
  ['ref-secret', (t) => (main(t, 'Certificate').spec.secretName = 'other'), { kind: 'Rollout', field: 'spec.template.spec.volumes[2].secret.secretName' }, /uses Secret "mediawiki-main-tls", which is not rendered in namespace mw-web of cluster eqiad \(nor made by a Certificate\)/],
  ['ref-secret', (t) => (appContainer(t).env = [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]), { field: 'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name' }, /uses Secret "db"/],
  ['ref-app-path', (t) => (t[2].objects[0].spec.generators[0].list.elements[1].release = 'canary'), { kind: 'ApplicationSet', field: 'spec.generators[0].list.elements[1]' }, /makes spec\.template\.spec\.source\.path "eqiad\/mw-web\/canary", which is not in the rendered tree/],
  ['ref-app-path', (t) => delete t[2].objects[0].spec.generators[0].list.elements[0].namespace, {}, /has no "namespace" for spec\.template\.spec\.source\.path/],
  [
    'grace-period',
    (t) => {
      appContainer(t).env = [{ name: 'FPM__request_terminate_timeout', value: '201' }];
      httpdContainer(t).lifecycle = { preStop: { exec: { command: ['/bin/sleep', '8'] } } };
      main(t, 'Rollout').spec.template.spec.terminationGracePeriodSeconds = 208;
    },
    { kind: 'Rollout', field: 'spec.template.spec.terminationGracePeriodSeconds' },
    /terminationGracePeriodSeconds 208 is shorter than the longest drain plus the longest request, 209 s: container "mediawiki-main-httpd" sleeps 8 s in preStop, then container "mediawiki-main-app" lets a request run 201 s/,
  ],
  ['grace-period', (t) => (appContainer(t).env = [{ name: 'DRAIN_TIME_S', value: '45' }]), { field: 'spec.template.spec.terminationGracePeriodSeconds' }, /terminationGracePeriodSeconds 30 \(the default\) is shorter than .* 45 s: container "mediawiki-main-app" drains for 45 s \(DRAIN_TIME_S\)$/],
  ['disruption-budget', (t) => (main(t, 'PodDisruptionBudget').spec.maxUnavailable = 0), { kind: 'PodDisruptionBudget', field: 'spec.maxUnavailable' }, /maxUnavailable 0 lets no node drain evict a pod/],
  [
    'pod-security',
    (t) => (t[2].objects[0].spec.generators[0].list.elements[0].namespaceLabels = { 'pod-security.kubernetes.io/enforce': 'baseline' }),
    { kind: 'Rollout', name: 'mediawiki-main', field: 'spec.template.spec' },
    /its pods need Pod Security level privileged \(hostPath volume "geoip" \(\/usr\/share\/GeoIP\)\), but namespace mw-web of cluster eqiad enforces "baseline" \(ApplicationSet argocd\/mediawiki-eqiad/,
  ],
  [
    'pod-security',
    (t) => {
      for (const e of t[2].objects[0].spec.generators[0].list.elements) delete e.namespaceLabels;
      appContainer(t).securityContext.capabilities.add = ['SYS_PTRACE'];
    },
    {},
    /need Pod Security level privileged \(hostPath volume "geoip" \(\/usr\/share\/GeoIP\); container "mediawiki-main-app" adds capability SYS_PTRACE\), but namespace mw-web of cluster eqiad declares no pod-security\.kubernetes\.io\/enforce label/,
  ],
  [
    'ref-app-path',
    (t) =>
      t[2].objects.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'x', namespace: 'argocd' },
        spec: { project: 'default', source: { repoURL: 'https://example.org/x.git', path: 'eqiad/mw-web/gone' }, destination: { name: 'eqiad', namespace: 'mw-web' } },
      }),
    { kind: 'Application', field: 'spec.source.path' },
    /points at path "eqiad\/mw-web\/gone", which is not in the rendered tree/,
  ],
];

test.each(cases)('%s fires on a crafted bad object', (rule, edit, expected, message) => {
  const result = run(edit);
  const mine = result.violations.filter((v) => v.rule === rule);
  expect(mine.length).toBeGreaterThan(0);
  const hit = mine.find((v) => message.test(v.message));
  expect({ violations: mine.map((v) => v.message), found: !!hit }).toMatchObject({ found: true });
  expect(brief(hit!)).toMatchObject(expected);
  // The message names the object.
  expect(hit!.message.startsWith(`${hit!.object.kind} ${hit!.object.namespace ? `${hit!.object.namespace}/` : ''}${hit!.object.name}: `)).toBe(true);
});

test('every rule has a case above that makes it fire', () => {
  expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(RULES.map((r) => r.id)));
});

test('all violations are listed, not only the first, grouped per object in the report', () => {
  const result = run((t) => {
    appContainer(t).imagePullPolcy = 'Always';
    main(t, 'Rollout').spec.strategy.canary.steps[0].setWeight = '10';
    delete httpdContainer(t).resources.limits;
    t[1].objects.find((o: Any) => o.kind === 'Service').spec.ports[0].nodePort = 4450;
  });
  expect(result.violations.map(brief)).toEqual([
    { rule: 'schema', kind: 'Rollout', name: 'mediawiki-main', field: 'spec.strategy.canary.steps[0].setWeight' },
    { rule: 'unknown-field', kind: 'Rollout', name: 'mediawiki-main', field: 'spec.template.spec.containers[0].imagePullPolcy' },
    { rule: 'resources-memory-limit', kind: 'Rollout', name: 'mediawiki-main', field: 'spec.template.spec.containers[1].resources.limits.memory' },
    { rule: 'node-port-unique', kind: 'Service', name: 'mediawiki-main-tls-service', field: 'spec.ports[0].nodePort' },
    { rule: 'node-port-unique', kind: 'Service', name: 'mediawiki-next-tls-service', field: 'spec.ports[0].nodePort' },
  ]);
  expect(formatReport(result)).toBe(
    [
      'Checked 15 objects against 23 rules: 5 violations in 3 objects.',
      'Not schema-validated (no schema at hand): cert-manager.io/v1 Certificate.',
      '',
      `${MAIN}: Rollout mw-web/mediawiki-main`,
      '  [schema] spec.strategy.canary.steps[0].setWeight must be integer',
      '  [unknown-field] unknown field "spec.template.spec.containers[0].imagePullPolcy"',
      '  [resources-memory-limit] container "mediawiki-main-httpd" has no memory limit (resources.limits.memory)',
      '',
      `${MAIN}: Service mw-web/mediawiki-main-tls-service`,
      '  [node-port-unique] nodePort 4450 is also used in cluster eqiad by Service mw-web/mediawiki-next-tls-service (eqiad/mw-web/next/manifest.yaml)',
      '',
      'eqiad/mw-web/next/manifest.yaml: Service mw-web/mediawiki-next-tls-service',
      '  [node-port-unique] nodePort 4450 is also used in cluster eqiad by Service mw-web/mediawiki-main-tls-service (eqiad/mw-web/main/manifest.yaml)',
      '',
    ].join('\n'),
  );
  const json = reportJson(result);
  expect(json).toMatchObject({ ok: false, checkedObjects: 15, unvalidatedKinds: ['cert-manager.io/v1 Certificate'] });
  expect(json.violations[0]).toEqual({
    rule: 'schema',
    object: { path: MAIN, kind: 'Rollout', name: 'mediawiki-main', namespace: 'mw-web' },
    field: 'spec.strategy.canary.steps[0].setWeight',
    message: 'Rollout mw-web/mediawiki-main: spec.strategy.canary.steps[0].setWeight must be integer',
  });
});

test('several schema errors in one object are all reported', () => {
  const result = run((t) => {
    const svc = main(t, 'Service');
    svc.spec.ports[0].port = 'https';
    svc.spec.ports[0].protocol = 'tcp';
    svc.spec.sessionAffinity = 3;
  });
  expect(result.violations.filter((v) => v.rule === 'schema').map((v) => v.field)).toEqual(['spec.ports[0].port', 'spec.ports[0].protocol', 'spec.sessionAffinity']);
});

test('NodePorts only clash within a cluster', () => {
  const tree = [...goodTree(), { path: 'codfw/mw-web/main/manifest.yaml', objects: releaseObjects('mw-web', 'main', 4450) }];
  expect(validateObjects(tree, options).violations).toEqual([]);
});

test('silent on what the rules allow', () => {
  const result = run((t) => {
    const rollout = main(t, 'Rollout');
    // optional references need not exist
    rollout.spec.template.spec.volumes.push({ name: 'maybe', configMap: { name: 'absent', optional: true } });
    // a digest pins an image as well as a tag
    appContainer(t).image = `${REGISTRY}/restricted/mediawiki-multiversion@sha256:${'a'.repeat(64)}`;
    // NET_BIND_SERVICE is the one capability the restricted profile allows
    httpdContainer(t).securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    // a container without ports needs no probes; seccomp at pod level suffices
    delete appContainer(t).securityContext.seccompProfile;
    // GeoIPInfo is allowed read-only anywhere
    rollout.spec.template.spec.volumes.push({ name: 'geoipinfo', hostPath: { path: '/usr/share/GeoIPInfo/' } });
    for (const c of rollout.spec.template.spec.containers) c.volumeMounts.push({ name: 'geoipinfo', mountPath: '/usr/share/GeoIPInfo', readOnly: true });
    // int-or-string accepts both
    main(t, 'PodDisruptionBudget').spec.maxUnavailable = 1;
    // the schema's extension points accept anything (x-kubernetes-preserve-unknown-fields)
    main(t, 'AnalysisTemplate').spec.metrics[0].provider.web.jsonBody = { anything: { goes: [1] } };
  });
  expect(result.violations).toEqual([]);
});

test('mw-experimental may mount /srv/mediawiki read-only, and mw-parsoid /srv/parsoid-testing', () => {
  const tree = goodTree();
  const experimental = releaseObjects('mw-experimental', 'pinkllama', 4456) as Any[];
  const parsoid = releaseObjects('mw-parsoid', 'pinkllama', 4452) as Any[];
  for (const [objects, path] of [[experimental, '/srv/mediawiki'], [parsoid, '/srv/parsoid-testing']] as const) {
    const spec = objects.find((o) => o.kind === 'Rollout').spec.template.spec;
    spec.volumes.push({ name: 'code', hostPath: { path, type: 'Directory' } });
    spec.containers[0].volumeMounts.push({ name: 'code', mountPath: path, readOnly: true });
  }
  tree.push({ path: 'eqiad/mw-experimental/pinkllama/manifest.yaml', objects: experimental }, { path: 'eqiad/mw-parsoid/pinkllama/manifest.yaml', objects: parsoid });
  expect(validateObjects(tree, options).violations).toEqual([]);
  experimental.find((o) => o.kind === 'Rollout').spec.template.spec.containers[0].volumeMounts.at(-1).readOnly = false;
  expect(validateObjects(tree, options).violations.map((v) => v.rule)).toEqual(['host-path']);
});

describe('declared exceptions', () => {
  const ptrace = (t: Any[]) => (appContainer(t).securityContext.capabilities.add = ['SYS_PTRACE']);

  test('an annotation on the pod template waives one rule for one container, and the waiver is listed', () => {
    const result = run((t) => {
      ptrace(t);
      main(t, 'Rollout').spec.template.metadata.annotations = policyExceptionsAnnotation([{ rule: 'security-capabilities', container: 'mediawiki-main-app', reason: 'php-fpm slowlog needs SYS_PTRACE' }]);
    });
    expect(result.violations).toEqual([]);
    expect(result.waived).toEqual([
      expect.objectContaining({ rule: 'security-capabilities', reason: 'php-fpm slowlog needs SYS_PTRACE', source: 'annotation', field: 'spec.template.spec.containers[0].securityContext.capabilities.add' }),
    ]);
    expect(formatReport(result)).toContain('Waived by declared exceptions: 1 finding (security-capabilities ×1).');
  });

  test('a container-scoped exception does not cover other containers', () => {
    const result = run((t) => {
      ptrace(t);
      httpdContainer(t).securityContext.capabilities.add = ['SYS_PTRACE'];
      main(t, 'Rollout').metadata.annotations = { [POLICY_EXCEPTIONS_ANNOTATION]: 'security-capabilities:mediawiki-main-app=slowlog' };
    });
    expect(result.violations.map((v) => v.message)).toEqual(['Rollout mw-web/mediawiki-main: container "mediawiki-main-httpd" adds capabilities SYS_PTRACE']);
  });

  test('profile exceptions come in through the options, scoped by namespace; groups name several rules', () => {
    const edit = (t: Any[]) => {
      ptrace(t);
      delete httpdContainer(t).resources.limits;
    };
    const waived = run(edit, {
      policyExceptions: [
        { rule: 'restricted-security-context', reason: 'slowlog', namespace: 'mw-web' },
        { rule: 'resources-memory-limit', reason: 'limits not enforced', namespace: 'mw-web' },
      ],
    });
    expect(waived.violations).toEqual([]);
    expect(waived.waived.map((w) => [w.rule, w.source])).toEqual([
      ['resources-memory-limit', 'options'],
      ['security-capabilities', 'options'],
    ]);
    const elsewhere = run(edit, { policyExceptions: [{ rule: 'restricted-security-context', reason: 'slowlog', namespace: 'mw-api-ext' }] });
    expect(elsewhere.violations.map((v) => v.rule)).toEqual(['resources-memory-limit', 'security-capabilities']);
  });

  test('an unusable exception in the options is bad input', () => {
    expect(() => run(() => undefined, { policyExceptions: [{ rule: 'node-port-unique', reason: 'x' }] })).toThrow(UserError);
    expect(() => run(() => undefined, { policyExceptions: [{ rule: 'probes', reason: ' ' }] })).toThrow(/policyExceptions\[0\] gives no reason/);
  });
});

test('kinds without a schema are named, not passed silently', () => {
  const result = run((t) => t[0].objects.push({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'mw-web' }, spec: { anything: 1 } }));
  expect(result.unvalidatedKinds).toEqual(['cert-manager.io/v1 Certificate', 'example.org/v1 Widget']);
  expect(formatReport(result)).toContain('Not schema-validated (no schema at hand): cert-manager.io/v1 Certificate, example.org/v1 Widget.');
  expect(result.violations).toEqual([]);
});

test('a registry is required', () => {
  expect(() => validateObjects(goodTree(), { registry: '' })).toThrow(UserError);
});

test('the output is deterministic', () => {
  const edit = (t: Any[]) => {
    appContainer(t).imagePullPolcy = 'Always';
    t[1].objects.find((o: Any) => o.kind === 'Service').spec.ports[0].nodePort = 4450;
  };
  expect(JSON.stringify(run(edit))).toBe(JSON.stringify(run(edit)));
});

test('image references are split the way registries read them', () => {
  expect(parseImage(APP_IMAGE)).toEqual({ registry: REGISTRY, repository: 'restricted/mediawiki-multiversion', tag: '2025-03-04-105954-publish-83', digest: undefined });
  expect(parseImage('localhost:5000/x@sha256:abc')).toEqual({ registry: 'localhost:5000', repository: 'x', tag: undefined, digest: 'sha256:abc' });
  expect(parseImage('nginx')).toEqual({ registry: undefined, repository: 'nginx', tag: undefined, digest: undefined });
});

describe('parseManifests', () => {
  test('reads every YAML document of every manifest file and skips other files', () => {
    const tree = new Map([
      ['README.md', '# x'],
      ['eqiad/a/b/manifest.yaml', '# header\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'],
      ['releases.json', '{}'],
    ]);
    expect(parseManifests(tree, 'dist')).toEqual([
      { path: 'eqiad/a/b/manifest.yaml', objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }] },
    ]);
  });

  test('a YAML error names the file and line', () => {
    expect(() => parseManifests(new Map([['eqiad/a/b/manifest.yaml', 'a: 1\nb: [\n']]), 'dist')).toThrow(/^dist\/eqiad\/a\/b\/manifest\.yaml:\d+: invalid YAML/);
    expect(() => parseManifests(new Map([['x.yaml', '- 1\n']]), 'dist')).toThrow(/dist\/x\.yaml: document 1 is not a mapping/);
  });
});

test('docs/validate.md documents every rule and group', () => {
  const doc = readFileSync(join(PROJECT, 'docs/validate.md'), 'utf8');
  for (const rule of RULES) expect({ rule: rule.id, documented: doc.includes(`\`${rule.id}\``) }).toEqual({ rule: rule.id, documented: true });
  expect(doc).toContain('`restricted-security-context`');
  expect(doc).toContain(POLICY_EXCEPTIONS_ANNOTATION);
});

test('the fixture release stays the shape of a real one', () => {
  // Guards the fixtures themselves: an ApplicationSet over the two releases, paths that exist.
  expect(applicationSet('eqiad', [{ namespace: 'mw-web', release: 'main' }]).spec).toHaveProperty('generators');
});
