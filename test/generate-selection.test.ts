/**
 * What generate selects from flags and the Argo CD environment, and what it says when nothing
 * matches: in process (the process contract is generate-contract.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as environments from '../environments/index.js';
import { readConfigFiles } from '../synth/config-files.js';
import { GenerateFailure, checkYamlStream, reportable, resolveSelection, runGenerate } from '../cli/commands/generate.js';
import { UserError } from '../config/errors.js';
import { renderSelection } from '../render/generate.js';
import { parseInputs, type ProjectInputs } from '../render/inputs.js';
import { renderProject, type RenderResult } from '../render/render.js';
import { removeDir } from './support/checkout.js';
import { tempDir } from './support/cli.js';
import { copySmallEnvironments } from './support/small-project.js';

describe('resolveSelection: flags, plugin env, plugin parameters', () => {
  test('the plugin env gives cluster, namespace and release', () => {
    const { selection, sources } = resolveSelection({ ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: 'main' });
    expect(selection).toEqual({ cluster: 'eqiad', namespace: 'mw-web', release: 'main' });
    expect(sources.cluster).toBe('ARGOCD_ENV_MW_CLUSTER');
  });

  test('empty and blank values count as unset: no release means every release', () => {
    const { selection } = resolveSelection({ ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: '', PARAM_MW_RELEASE: '  ' });
    expect(selection).toEqual({ cluster: 'eqiad', namespace: 'mw-web' });
  });

  test('an empty plugin env value falls through to the parameters', () => {
    const params = JSON.stringify([{ name: 'MW_CLUSTER', string: 'codfw' }, { name: 'MW_NAMESPACE', string: 'mw-api-int' }, { name: 'OTHER', array: ['x'] }]);
    const { selection, sources } = resolveSelection({ ARGOCD_ENV_MW_CLUSTER: '', ARGOCD_APP_PARAMETERS: params });
    expect(selection).toEqual({ cluster: 'codfw', namespace: 'mw-api-int' });
    expect(sources.cluster).toMatch(/ARGOCD_APP_PARAMETERS/);
  });

  test('PARAM_* alone works (what Argo CD derives from the same parameters)', () => {
    expect(resolveSelection({ PARAM_MW_CLUSTER: 'staging', PARAM_MW_NAMESPACE: 'mw-web', PARAM_MW_RELEASE: 'main' }).selection).toEqual({ cluster: 'staging', namespace: 'mw-web', release: 'main' });
  });

  test('flags win over everything', () => {
    const env = { ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', PARAM_MW_CLUSTER: 'codfw' };
    expect(resolveSelection(env, { cluster: 'staging', release: 'main' }).selection).toEqual({ cluster: 'staging', namespace: 'mw-web', release: 'main' });
    // ... even over a bad or conflicting value they hide.
    expect(resolveSelection({ ...env, ARGOCD_ENV_MW_RELEASE: 'Not A Label' }, { cluster: 'staging', release: 'main' }).selection.release).toBe('main');
  });

  test('plugin env and parameters that disagree are an error naming both', () => {
    expect(() => resolveSelection({ ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', PARAM_MW_CLUSTER: 'codfw' })).toThrow(
      /MW_CLUSTER is "eqiad" in ARGOCD_ENV_MW_CLUSTER but "codfw" in PARAM_MW_CLUSTER/,
    );
    // Agreeing is fine.
    expect(resolveSelection({ ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', PARAM_MW_CLUSTER: 'eqiad' }).selection.cluster).toBe('eqiad');
  });

  test('missing cluster or namespace says where to set it', () => {
    expect(() => resolveSelection({})).toThrow(/no cluster given: set the plugin env MW_CLUSTER .*ARGOCD_ENV_MW_CLUSTER.*--cluster/);
    expect(() => resolveSelection({ ARGOCD_ENV_MW_CLUSTER: 'eqiad' })).toThrow(/no namespace given/);
  });

  test('bad values and bad parameter JSON are user errors that do not echo the input', () => {
    const check = (env: Record<string, string>, pattern: RegExp, secret: string): void => {
      let error: unknown;
      try {
        resolveSelection(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).not.toContain(secret);
    };
    check({ ARGOCD_ENV_MW_CLUSTER: 'Eqiad token=abc123', ARGOCD_ENV_MW_NAMESPACE: 'mw-web' }, /MW_CLUSTER from ARGOCD_ENV_MW_CLUSTER is not a valid cluster name/, 'abc123');
    check({ ARGOCD_APP_PARAMETERS: '[{"name": "MW_CLUSTER", "string": "s3cret' }, /ARGOCD_APP_PARAMETERS is not valid JSON/, 's3cret');
    check({ ARGOCD_APP_PARAMETERS: '{"MW_CLUSTER": "s3cret"}' }, /not a JSON list/, 's3cret');
    check({ ARGOCD_APP_PARAMETERS: '[{"name": "MW_CLUSTER", "array": ["eqiad"]}]' }, /MW_CLUSTER must be a string/, '"eqiad"');
  });
});

describe('reportable: one line for Argo CD', () => {
  test("errors of the checkout's own classes keep their message and exit 2; others exit 1 without a stack", () => {
    class ConfigError extends Error {
      readonly exitCode = 2;
      constructor(message: string) {
        super(message);
        this.name = 'ConfigError';
      }
    }
    const user = reportable(new ConfigError('/tmp/x/environments/deployments.yaml:3: bad'), '/tmp/x');
    expect(user.exitCode).toBe(2);
    expect(user.message).toBe('environments/deployments.yaml:3: bad');
    const internal = reportable(new TypeError('Cannot read properties of undefined\n    more detail'), '/tmp/x');
    expect(internal).toBeInstanceOf(GenerateFailure);
    expect(internal.exitCode).toBe(1);
    expect(internal.message).not.toContain('\n');
  });
});

describe('checkYamlStream: stdout gets one valid stream of objects, or nothing', () => {
  const refusal = (text: string): string => {
    try {
      checkYamlStream(text);
      return 'accepted';
    } catch (err) {
      expect(err).toBeInstanceOf(GenerateFailure);
      return (err as Error).message;
    }
  };

  test('a stream of mappings passes; empty, broken, scalar and empty documents are refused', () => {
    expect(refusal('kind: ConfigMap\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: b}\n')).toBe('accepted');
    expect(refusal('  \n')).toMatch(/no objects; refusing to print an empty stream/);
    expect(refusal('kind: ConfigMap\n---\nkind: [unclosed\n')).toMatch(/did not produce one valid YAML stream \(.+\); nothing was printed/);
    expect(refusal('kind: ConfigMap\nkind: Service\n')).toMatch(/did not produce one valid YAML stream/);
    expect(refusal('kind: ConfigMap\n---\njust a string\n')).toMatch(/not a Kubernetes object/);
    expect(refusal('kind: ConfigMap\n---\n---\nkind: Service\n')).toMatch(/not a Kubernetes object/);
  });
});

describe('runGenerate: failures before anything of the checkout loads', () => {
  // In process; the process contract of such a UserError (exit 2, empty stdout, one line, no
  // stack, no secrets) is generate-contract.test.ts's unknown-release run.
  const failure = async (dir: string, env: Record<string, string>): Promise<{ error: unknown; log: string[] }> => {
    const log: string[] = [];
    // These fail before the checkout's sources load, so no loader is registered in this process.
    const error = await runGenerate({ dir }, env, (line) => log.push(line)).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { error, log };
  };

  test('missing cluster: a one-line user error (exit 2) naming MW_CLUSTER, without the secrets of the environment', async () => {
    const secret = 'glpat-Sup3rS3cretT0ken';
    // No checkout at all: the selection fails first.
    const { error, log } = await failure(join(tmpdir(), 'mw-gitops-no-such-checkout'), { GITLAB_TOKEN: secret, ARGOCD_ENV_MW_TOKEN: secret, ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_CLUSTER: '' });
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/no cluster given.*MW_CLUSTER/);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain(secret);
    expect(log).toEqual([]);
  });

  test('outside an mw-gitops checkout: a one-line user error (exit 2)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mw-gitops-not-a-checkout-'));
    try {
      const { error, log } = await failure(empty, { ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web' });
      expect(error).toBeInstanceOf(UserError);
      expect(error).not.toBeInstanceOf(GenerateFailure);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(/is not an mw-gitops checkout/);
      expect((error as Error).message).not.toContain('\n');
      expect(log).toEqual([]);
    } finally {
      removeDir(empty);
    }
  });
});

describe('renderSelection: the selected dist/ files, or why there are none', () => {
  // A selection against a full render: of the small project (test/support/small-project.ts),
  // rendered once, a third of the full project's time; what makes the bytes (profiles, images,
  // constructs) is the real project's.
  let small: ProjectInputs;
  let full: RenderResult;
  // The full project, for the messages: they list what exists there, and it has unmanaged
  // namespaces. Failing selections render nothing.
  let inputs: ProjectInputs;
  beforeAll(async () => {
    const dir = tempDir();
    try {
      small = parseInputs(await readConfigFiles(copySmallEnvironments(dir.path)), environments);
    } finally {
      dir.cleanup();
    }
    full = renderProject(small);
    inputs = parseInputs(await readConfigFiles('environments'), environments);
  });

  test('one release is exactly its manifest file of the full render', () => {
    const one = renderSelection(small, { cluster: 'codfw', namespace: 'mw-web', release: 'canary' });
    expect(one.paths).toEqual(['codfw/mw-web/canary/manifest.yaml']);
    expect(one.text).toBe(full.tree.get('codfw/mw-web/canary/manifest.yaml'));
  });

  test('a namespace is its releases in releases.json order', () => {
    const expected = full.index.releases.filter((r) => r.cluster === 'eqiad' && r.namespace === 'mw-api-int').map((r) => r.path);
    expect(expected.length).toBeGreaterThan(1);
    const all = renderSelection(small, { cluster: 'eqiad', namespace: 'mw-api-int' });
    expect(all.paths).toEqual(expected);
    expect(all.text).toBe(expected.map((p) => full.tree.get(p)).join(''));
  });

  test('unknown names list what exists; an unmanaged namespace says so', () => {
    expect(() => renderSelection(inputs, { cluster: 'ulsfo', namespace: 'mw-web' })).toThrow(/unknown cluster "ulsfo"; clusters with releases: codfw, eqiad, staging/);
    expect(() => renderSelection(inputs, { cluster: 'staging', namespace: 'mw-api-ext' })).toThrow(/unknown namespace "mw-api-ext" in cluster staging; namespaces of staging: mw-debug, mw-web/);
    expect(() => renderSelection(inputs, { cluster: 'eqiad', namespace: 'mw-web', release: 'nope' })).toThrow(/unknown release "nope" of mw-web in cluster eqiad; releases there: canary, main/);
    // The index of a render of nothing is still complete (RenderOptions.only).
    const { unmanaged: namespaces } = renderProject(inputs, { only: () => false }).index;
    expect(namespaces.length).toBeGreaterThan(0);
    for (const unmanaged of namespaces) {
      expect(() => renderSelection(inputs, { cluster: unmanaged.clusters[0], namespace: unmanaged.namespace })).toThrow(/is unmanaged .*nothing to render/);
    }
  });
});
