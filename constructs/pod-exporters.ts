import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Resources } from '../config/profile.js';
import { resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

export interface ExporterContainerOptions {
  readonly name: string;
  /** The port's name; Prometheus scrapes it by name. */
  readonly portName: string;
  readonly port: number;
  readonly image: string;
  readonly resources: Resources;
}

/** A Prometheus exporter container, ready when it answers /metrics. */
export function exporterContainer(options: ExporterContainerOptions): IContainer {
  const { portName } = options;
  return {
    name: options.name,
    image: options.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: portName, containerPort: options.port }],
    livenessProbe: { tcpSocket: { port: portName } },
    readinessProbe: { httpGet: { path: '/metrics', port: portName } },
    resources: resourceRequirements(options.resources),
    securityContext: restrictedSecurityContext(),
  };
}

/** Metrics of httpd (mod_status) and php-fpm (its status page). */
export const exporters: Sidecar = {
  profileSwitch: 'exporters',
  build: ({ release, prefix }) => ({
    containers: [
      exporterContainer({
        name: `${prefix}-httpd-exporter`,
        portName: 'httpd-exp',
        port: files.HTTPD_EXPORTER_PORT,
        image: sidecarImage(release, 'httpdExporter'),
        resources: release.profile.resources.exporter,
      }),
      exporterContainer({
        name: `${prefix}-php-fpm-exporter`,
        portName: 'fpm-exp',
        port: files.PHP_FPM_EXPORTER_PORT,
        image: sidecarImage(release, 'phpFpmExporter'),
        resources: release.profile.resources.exporter,
      }),
    ],
  }),
};
