/** Input loading refuses a plugin-mode cluster without a plugin source, before anything renders. */
import * as environments from '../environments/index.js';
import { ConfigError } from '../config/errors.js';
import { COLLAPSED, inputsFrom, IMAGES, SERVICES, SITES } from './support/fixtures.js';
import { parseInputs } from '../render/inputs.js';

const files = { deployments: { file: 'deployments.yaml', text: COLLAPSED }, images: { file: 'images.yaml', text: IMAGES }, sites: SITES, services: SERVICES };

test('a cluster in plugin mode needs argocd.plugin in the platform: a config error naming both files', () => {
  const clusters = environments.clusters.map((c) => (c.name === 'eqiad' ? { ...c, argocdSource: 'plugin' as const } : c));
  const platform = { ...environments.platform, argocd: { ...environments.platform.argocd, plugin: undefined } };
  const load = () => parseInputs(files, { ...environments, clusters, platform });
  expect(load).toThrow(ConfigError);
  expect(load).toThrow(/^environments\/platform\.ts: argocd\.plugin: cluster eqiad renders through the Argo CD plugin \(argocdSource: plugin in environments\/clusters\.ts\)/);
});

test('plugin mode with a plugin source loads', () => {
  const clusters = environments.clusters.map((c) => (c.name === 'eqiad' ? { ...c, argocdSource: 'plugin' as const } : c));
  const platform = { ...environments.platform, argocd: { ...environments.platform.argocd, plugin: { repoURL: 'https://example.org/mw-gitops.git', targetRevision: 'main', path: '.' } } };
  expect(parseInputs(files, { ...environments, clusters, platform }).clusters).toBe(clusters);
  expect(inputsFrom(COLLAPSED).clusters).toBe(environments.clusters);
});
