/**
 * The render entry of a checkout, for `mw-gitops generate` (the Argo CD plugin). The installed
 * command imports THIS file from the checkout it runs in (through tsx, by path), so what renders
 * is that revision's constructs, environments and render code, not the copy the command was
 * installed from. Keep the exported shape stable; bump GENERATE_ENTRY_API if it has to change
 * (the command refuses an entry whose API it does not know). When the checkout's code is the
 * installed command's own (cli/installed-code.ts), the command uses its own copy of this module.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as environments from '../environments/index.js';
import { renderSelection, type Selection, type SelectionRender } from '../render/generate.js';
import { parseInputs } from '../render/inputs.js';
import { DEFAULT_CONFIG_DIR, readConfigFiles } from '../synth/config-files.js';

export const GENERATE_ENTRY_API = 1;

/** The checkout this module belongs to (its parent directory). */
export const checkoutRoot = fileURLToPath(new URL('..', import.meta.url));

/** Reads this checkout's environments/ and renders the selected releases. */
export async function renderCheckout(selection: Selection): Promise<SelectionRender> {
  return renderCheckoutAt(checkoutRoot, selection);
}

/**
 * Reads the environments/ YAML of the checkout at `root` and renders the selected releases with
 * this module's code: what the installed command's `generate` does for a checkout whose code is
 * its own. Messages name the files relative to the checkout (`environments/images.yaml`).
 */
export async function renderCheckoutAt(root: string, selection: Selection): Promise<SelectionRender> {
  const inputs = parseInputs(await readConfigFiles(join(root, DEFAULT_CONFIG_DIR), DEFAULT_CONFIG_DIR), environments);
  return renderSelection(inputs, selection);
}
