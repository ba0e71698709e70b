/** Reads the YAML half of the configuration from a config directory. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from '../config/errors.js';
import { decodeInput } from '../config/yaml-source.js';
import type { ConfigFiles, SourceFile } from '../render/inputs.js';

export const DEFAULT_CONFIG_DIR = 'environments';

/** The YAML inputs in the config directory, one line each. */
const INPUT_FILES: { readonly [K in keyof ConfigFiles]: string } = {
  deployments: 'deployments.yaml',
  images: 'images.yaml',
  sites: 'sites.yaml',
  services: 'services.yaml',
};

/**
 * `displayDir` names the directory in messages (e.g. `environments` for a temporary checkout);
 * by default files are named relative to the working directory.
 */
export async function readConfigFiles(configDir: string, displayDir?: string): Promise<ConfigFiles> {
  const read = async (name: string): Promise<SourceFile> => {
    const path = join(configDir, name);
    const fromCwd = relative(process.cwd(), path);
    const file = displayDir !== undefined ? `${displayDir}/${name}` : fromCwd && !fromCwd.startsWith('..') ? fromCwd : path;
    try {
      return { file, text: decodeInput(file, await readFile(path)) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError(`${file}: file not found (is --config-dir ${configDir} right?)`);
      if (code === 'EISDIR') throw new UserError(`${file}: is a directory, expected a YAML file`);
      throw err;
    }
  };
  // Read together, reported in a fixed order: the same bad input always gets the same message.
  const keys = Object.keys(INPUT_FILES) as (keyof ConfigFiles)[];
  const settled = await Promise.allSettled(keys.map((key) => read(INPUT_FILES[key])));
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return Object.fromEntries(keys.map((key, i) => [key, (settled[i] as PromiseFulfilledResult<SourceFile>).value])) as unknown as ConfigFiles;
}
