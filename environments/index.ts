/** The typed half of the configuration; the YAML half (deployments, images) is read by the CLI. */
export { clusters } from './clusters.js';
export { platform } from './platform.js';
export { profiles } from './profiles.js';
export { windows } from './windows.js';
