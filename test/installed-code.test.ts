/**
 * hasInstalledCode (cli/installed-code.ts): which checkouts generate may render with the installed
 * code. Only byte-identical code qualifies; environments/ YAML is input and may differ.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_DIRS } from '../bin/source-files.mjs';
import { hasInstalledCode } from '../cli/installed-code.js';

let work: string;
let installed: string;
let checkout: string;

/** A minimal checkout: every code directory with a file, tsconfig.json and the config YAML. */
function writeCheckout(root: string): void {
  for (const dir of SOURCE_DIRS) {
    mkdirSync(join(root, dir, 'sub'), { recursive: true });
    writeFileSync(join(root, dir, 'sub', 'code.ts'), `export const dir = '${dir}';\n`);
  }
  writeFileSync(join(root, 'validate', 'schema.json'), '{"type":"object"}\n');
  writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"strict":true}}\n');
  writeFileSync(join(root, 'environments', 'images.yaml'), 'mw_flavours: {}\n');
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'mw-gitops-installed-code-'));
  installed = join(work, 'installed');
  checkout = join(work, 'checkout');
  writeCheckout(installed);
  cpSync(installed, checkout, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

test('the same code counts as installed, whatever the config YAML says; the installed directory itself too', () => {
  expect(hasInstalledCode(checkout, installed)).toBe(true);
  writeFileSync(join(checkout, 'environments', 'images.yaml'), 'mw_flavours: {publish-84: {tag: t}}\n');
  writeFileSync(join(checkout, 'environments', 'deployments.yaml'), 'deployments: []\n');
  expect(hasInstalledCode(checkout, installed)).toBe(true);
  expect(hasInstalledCode(installed, installed)).toBe(true);
});

test.each([
  ['one byte of a construct', (root: string) => writeFileSync(join(root, 'constructs', 'sub', 'code.ts'), "export const dir = 'constructZ';\n")],
  ['schema data', (root: string) => writeFileSync(join(root, 'validate', 'schema.json'), '{"type":"array"}\n')],
  ['tsconfig.json', (root: string) => writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"strict":false}}\n')],
  ['an extra source file', (root: string) => writeFileSync(join(root, 'render', 'extra.ts'), 'export {};\n')],
  ['a missing source file', (root: string) => rmSync(join(root, 'git', 'sub', 'code.ts'))],
  ['a missing code directory', (root: string) => rmSync(join(root, 'imports'), { recursive: true })],
  ['no tsconfig.json', (root: string) => rmSync(join(root, 'tsconfig.json'))],
])('%s in the checkout: not the installed code', (_, change) => {
  change(checkout);
  expect(hasInstalledCode(checkout, installed)).toBe(false);
});
