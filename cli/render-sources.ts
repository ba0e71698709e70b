/**
 * Rendering from the sources without writing anything: what `diff` and `plan` compare, so an
 * edit to images.yaml or a construct shows before `synth` runs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RenderedTree } from '../render/tree.js';
import { readConfigFiles } from '../synth/config-files.js';

export async function renderSources(configDir: string): Promise<RenderedTree> {
  const [environments, { parseInputs }, { renderProject }] = await Promise.all([
    import('../environments/index.js'),
    import('../render/inputs.js'),
    import('../render/render.js'),
  ]);
  return renderProject(parseInputs(await readConfigFiles(configDir), environments)).tree;
}

/** Source files newer than the render in `dist` (its releases.json): the render is stale. */
export function newerThanRender(projectDir: string, dist: string, sources: readonly string[]): string[] {
  const index = path.join(projectDir, dist, 'releases.json');
  if (!existsSync(index)) return [];
  const rendered = statSync(index).mtimeMs;
  const newer: string[] = [];
  for (const source of sources) {
    const full = path.join(projectDir, source);
    if (!existsSync(full)) continue;
    const files = statSync(full).isDirectory() ? readdirSync(full, { recursive: true }).map((f) => path.join(full, String(f))) : [full];
    if (files.some((f) => statSync(f).mtimeMs > rendered)) newer.push(source);
  }
  return newer;
}
