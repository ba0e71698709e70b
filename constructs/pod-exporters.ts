import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Resources } from '../config/profile.js';
import { preStopSleep, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

export interface ExporterContainerOptions {
  readonly name: string;
  /** The port's name; Prometheus scrapes ports named `*-metrics` (prometheus.io/scrape_by_name). */
  readonly portName: `${string}-metrics`;
  readonly port: number;
  readonly image: string;
  /** Where to scrape and where to listen: each exporter's defaults point elsewhere. */
  readonly args: readonly string[];
  readonly resources: Resources;
  /** Seconds it keeps answering after the stop signal, like the containers it watches. */
  readonly preStopSleepSeconds: number;
}

/** A Prometheus exporter container, ready when it answers /metrics. */
export function exporterContainer(options: ExporterContainerOptions): IContainer {
  const { portName } = options;
  return {
    name: options.name,
    image: options.image,
    imagePullPolicy: 'IfNotPresent',
    args: [...options.args],
    lifecycle: preStopSleep(options.preStopSleepSeconds),
    ports: [{ name: portName, containerPort: options.port }],
    livenessProbe: { tcpSocket: { port: portName } },
    readinessProbe: { httpGet: { path: '/metrics', port: portName } },
    resources: resourceRequirements(options.resources),
    securityContext: restrictedSecurityContext(),
  };
}

/** Metrics of httpd (mod_status) and php-fpm (its status page), both read from the image's monitoring vhost. */
export const exporters: Sidecar = {
  profileSwitch: 'exporters',
  build: ({ release, prefix, preStopSleepSeconds }) => {
    const monitoring = `http://127.0.0.1:${files.PHP_METRICS_PORT}`;
    return {
      containers: [
        exporterContainer({
          name: `${prefix}-httpd-exporter`,
          portName: 'httpd-metrics',
          port: files.HTTPD_EXPORTER_PORT,
          image: sidecarImage(release, 'httpdExporter'),
          args: ['--scrape_uri', `${monitoring}/server-status?auto`],
          resources: release.profile.resources.exporter,
          preStopSleepSeconds,
        }),
        exporterContainer({
          name: `${prefix}-php-fpm-exporter`,
          portName: 'fpm-metrics',
          port: files.PHP_FPM_EXPORTER_PORT,
          image: sidecarImage(release, 'phpFpmExporter'),
          args: [`--endpoint=${monitoring}/fpm-status`, `--addr=0.0.0.0:${files.PHP_FPM_EXPORTER_PORT}`],
          resources: release.profile.resources.exporter,
          preStopSleepSeconds,
        }),
      ],
    };
  },
};
