/** Reads the YAML half of the configuration from a config directory. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from '../config/errors.js';
import { decodeInput } from '../config/yaml-source.js';
import type { ConfigFiles, SourceFile } from '../render/inputs.js';

export const DEFAULT_CONFIG_DIR = 'environments';

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
  const [deployments, images, services] = await Promise.allSettled([read('deployments.yaml'), read('images.yaml'), read('services.yaml')]);
  if (deployments.status === 'rejected') throw deployments.reason;
  if (images.status === 'rejected') throw images.reason;
  if (services.status === 'rejected') throw services.reason;
  return { deployments: deployments.value, images: images.value, services: services.value };
}
