/**
 * The render entry of a checkout, for `mw-gitops generate` (the Argo CD plugin). The installed
 * command imports THIS file from the checkout it runs in (through tsx, by path), so what renders
 * is that revision's constructs, environments and render code, not the copy the command was
 * installed from. Keep the exported shape stable; bump GENERATE_ENTRY_API if it has to change
 * (the command refuses an entry whose API it does not know).
 */
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
  const inputs = parseInputs(await readConfigFiles(fileURLToPath(new URL(`../${DEFAULT_CONFIG_DIR}/`, import.meta.url))), environments);
  return renderSelection(inputs, selection);
}
