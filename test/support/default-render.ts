/**
 * The render of this checkout's environments/ (the full project), made once per jest run and
 * shared by the suites that look at it (services, gitops-behaviour, validate-crosscheck,
 * envoy-render): the first worker to need it renders it in process, from the current sources,
 * and writes the tree to the run directory (run-fixture.ts); the others read that tree back.
 * render.test.ts keeps rendering in its own process: it tests renderProject itself.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as environments from '../../environments/index.js';
import { parseInputs } from '../../render/inputs.js';
import type { ReleasesIndex } from '../../render/releases-index.js';
import { renderProject, type RenderResult } from '../../render/render.js';
import { readConfigFiles } from '../../synth/config-files.js';
import { readTree, writeTreeAtomically } from '../../synth/tree-io.js';
import { parseManifests } from '../../validate/manifests.js';
import { PROJECT } from './cli.js';
import { runFixture } from './run-fixture.js';

async function build(dir: string): Promise<void> {
  const render = renderProject(parseInputs(await readConfigFiles(join(PROJECT, 'environments'), 'environments'), environments));
  await writeTreeAtomically(join(dir, 'tree'), render.tree);
  await writeFile(join(dir, 'warnings.json'), JSON.stringify(render.warnings));
}

let shared: Promise<RenderResult> | undefined;

/** The default render: its tree, index, warnings, and the objects of every manifest. */
export function defaultRender(): Promise<RenderResult> {
  shared ??= (async () => {
    const dir = await runFixture('default-render', build);
    const tree = await readTree(join(dir, 'tree'));
    const index = JSON.parse(tree.get('releases.json')!) as ReleasesIndex;
    const warnings = JSON.parse(await readFile(join(dir, 'warnings.json'), 'utf8')) as string[];
    return { tree, index, warnings, files: parseManifests(tree, 'the default render') };
  })();
  return shared;
}
