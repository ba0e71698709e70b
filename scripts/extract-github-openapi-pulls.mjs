#!/usr/bin/env node
/**
 * Extracts the few schemas the GitHub test server needs from GitHub's official OpenAPI
 * description (npm package @octokit/openapi, which republishes github/rest-api-description) into
 * test/fixtures/github-openapi-pulls.json.
 *
 * The package is ~29 MB packed and ~385 MB unpacked, so it is NOT a dependency: this script
 * `npm pack`s the pinned version into a temporary directory, reads
 * generated/api.github.com.json, keeps the named component schemas (with everything they $ref)
 * and the named examples, writes the fixture and deletes the temporary directory.
 *
 *   node scripts/extract-github-openapi-pulls.mjs            # writes the fixture
 *   node scripts/extract-github-openapi-pulls.mjs --check    # exits 1 if the fixture differs
 *
 * Same inputs give byte-identical output (keys keep the description's order).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@octokit/openapi';
const VERSION = '23.0.2';
const FILE = 'generated/api.github.com.json';
/** Response schemas of the endpoints bump uses: GET/POST /pulls, PATCH /pulls/{n}, POST /issues/{n}/labels, errors. */
const SCHEMAS = ['pull-request', 'pull-request-simple', 'label', 'validation-error', 'basic-error'];
/** Official example bodies the fake server starts from. */
const EXAMPLES = ['pull-request', 'pull-request-simple-items', 'label-items'];

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'test', 'fixtures', 'github-openapi-pulls.json');

const tmp = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
try {
  execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz')));
  const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  execFileSync('tar', ['xzf', tarball, '-C', tmp, `package/${FILE}`]);
  const description = JSON.parse(readFileSync(join(tmp, 'package', FILE), 'utf8'));

  const schemas = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const match = /^#\/components\/schemas\/(.+)$/.exec(value);
        if (!match) throw new Error(`unexpected $ref ${value}`);
        add(match[1]);
      } else visit(value);
    }
  };
  const add = (name) => {
    if (schemas.has(name)) return;
    if (!description.components.schemas[name]) throw new Error(`no schema ${name}`);
    schemas.add(name);
    visit(description.components.schemas[name]);
  };
  SCHEMAS.forEach(add);

  const pick = (from, names) => Object.fromEntries(names.map((n) => [n, from[n]]));
  // Keep the description's own order of schemas so the output does not depend on traversal order.
  const schemaNames = Object.keys(description.components.schemas).filter((n) => schemas.has(n));
  const fixture = {
    source: {
      package: `${PACKAGE}@${VERSION}`,
      file: FILE,
      tarballSha256: sha256,
      openapi: description.openapi,
      extractedBy: 'scripts/extract-github-openapi-pulls.mjs',
    },
    components: {
      schemas: pick(description.components.schemas, schemaNames),
      examples: pick(description.components.examples, EXAMPLES),
    },
  };
  const text = JSON.stringify(fixture, null, 2) + '\n';
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      process.stderr.write(`${target} differs from a fresh extraction of ${PACKAGE}@${VERSION}\n`);
      process.exit(1);
    }
    process.stdout.write(`${target} matches ${PACKAGE}@${VERSION}\n`);
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target} (${schemaNames.length} schemas, ${EXAMPLES.length} examples) from ${PACKAGE}@${VERSION}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
