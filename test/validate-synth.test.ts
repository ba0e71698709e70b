/**
 * End to end, as a user would: in a copy of the project, a profile edited to drop a container's
 * limits, a typo added through the constructs' escape hatch (setRawJson) and a second release
 * given an existing NodePort each produce their own listed violation; synth exits 2 and leaves
 * dist/ exactly as it was; `validate` reports the same.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTree } from '../synth/tree-io.js';
import { PROJECT, tempDir, type RunResult } from './support/cli.js';

let work: ReturnType<typeof tempDir>;
beforeAll(() => (work = tempDir()));
afterAll(() => work.cleanup());

function copyProject(into: string): string {
  // The sources synth runs from; not node_modules (linked), dist/, tests, docs, or hidden state (.git, .deploy).
  const skip = new Set(['node_modules', 'dist', 'test', 'docs', 'bench', 'build', 'coverage']);
  cpSync(PROJECT, into, {
    recursive: true,
    filter: (src) => {
      const top = src.slice(PROJECT.length + 1).split('/')[0];
      return top === '' || (!skip.has(top) && !top.startsWith('.'));
    },
  });
  symlinkSync(join(PROJECT, 'node_modules'), join(into, 'node_modules'), 'dir');
  return into;
}

function edit(root: string, file: string, from: string, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update this test`);
  writeFileSync(path, text.replace(from, to));
}

test('three broken inputs: synth exits 2 listing each, dist/ untouched; validate agrees', async () => {
  const root = copyProject(join(work.path, 'project'));

  // GIVEN a good dist/
  expect(runCliIn(root, ['synth']).status).toBe(0);
  const before = await readTree(join(root, 'dist'));
  expect(before.size).toBeGreaterThan(10);

  // WHEN three mistakes are made
  edit(root, 'environments/profiles.ts', "httpd: { requests: { cpu: '200m', memory: '200Mi' }, limits: { cpu: '500m', memory: '400Mi' } },", "httpd: { requests: { cpu: '200m', memory: '200Mi' } },");
  edit(root, 'environments/profiles.ts', 'ports: { main: { tls: 4446 } },', 'ports: { main: { tls: 4450 } },');
  edit(root, 'constructs/tls-service.ts', "import { Construct } from 'constructs';", "import { Construct } from 'constructs';\nimport { setRawJson } from './raw-json.js';");
  edit(root, 'constructs/tls-service.ts', '    kubeObject<IService>(this, ', '    const service = kubeObject<IService>(this, ');
  edit(root, 'constructs/tls-service.ts', '    });\n  }\n}', "    });\n    setRawJson(service, ['spec', 'externalTrafficPolcy'], 'Local');\n  }\n}");

  // THEN synth refuses, lists each, and writes nothing
  const synth = runCliIn(root, ['synth']);
  expect(synth.status).toBe(2);
  expect(synth.stderr).toContain('left untouched');
  expect(synth.stderr).toContain('[resources-memory-limit] container "mediawiki-main-httpd" has no memory limit (resources.limits.memory)');
  expect(synth.stderr).toContain('[unknown-field] unknown field "spec.externalTrafficPolcy"');
  expect(synth.stderr).toMatch(/\[node-port-unique\] nodePort 4450 is also used in cluster eqiad by Service mw-api-int\/mediawiki-main-tls-service \(eqiad\/mw-api-int\/main\/manifest\.yaml\)/);
  expect(await readTree(join(root, 'dist'))).toEqual(before);

  // AND validate says the same, in JSON for CI
  const validate = runCliIn(root, ['validate', '--json']);
  expect(validate.status).toBe(2);
  const report = JSON.parse(validate.stdout);
  expect(report.ok).toBe(false);
  expect(new Set(report.violations.map((v: { rule: string }) => v.rule))).toEqual(new Set(['node-port-unique', 'resources-memory-limit', 'unknown-field']));
  expect(await readTree(join(root, 'dist'))).toEqual(before);
});

/** The copy's own bin, run in the copy (so it loads the copy's environments and constructs). */
function runCliIn(root: string, args: string[]): RunResult {
  const result = spawnSync(process.execPath, [join(root, 'bin/mw-gitops.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
