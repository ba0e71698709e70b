/**
 * What one container (or one feature of the main containers) adds to the MediaWiki pod. The pod
 * composes parts: it creates their ConfigMaps and volumes, places their containers, appends their
 * mounts to the main containers and opens their ports in the NetworkPolicy.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { PolicyExceptionEntry } from '../config/policy-exceptions.js';
import type { ServiceProfile } from '../config/profile.js';
import type { ResolvedRelease } from './resolved-release.js';

/** The emptyDir where php-fpm's socket lives, shared by httpd and the app. */
export const SHARED_SOCKET_VOLUME = 'shared-socket';
/** The emptyDir php-fpm writes its error log and slowlog to (rsyslog reads it). */
export const PHP_LOGGING_VOLUME = 'php-logging';

/** The main containers, which other parts may mount volumes into. */
export type MainContainer = 'httpd' | 'app';

/** A volume of a part: files the pod puts in a content-hashed ConfigMap, or another volume source. */
export type PartVolume =
  | { readonly name: string; readonly configMapFiles: Readonly<Record<string, string>> }
  | { readonly name: string; readonly source: Omit<IVolume, 'name'> };

export interface PodPart {
  /**
   * Containers, in pod order.
   * @default - none (a feature that only mounts into the main containers)
   */
  readonly containers?: readonly IContainer[];
  /**
   * Volumes its containers or mounts use.
   * @default - none
   */
  readonly volumes?: readonly PartVolume[];
  /**
   * Mounts added to the main containers, after their own.
   * @default - none
   */
  readonly mounts?: readonly { readonly into: MainContainer; readonly mount: IVolumeMount }[];
  /**
   * Names of container ports reached only from inside the pod, which the NetworkPolicy keeps closed.
   * @default - every declared port takes traffic from outside the pod
   */
  readonly podLocalPorts?: readonly string[];
  /**
   * Annotations on the pod template.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Documented departures from the restricted policy, written as the pod's policy-exception annotation.
   * @default - none
   */
  readonly policyExceptions?: readonly PolicyExceptionEntry[];
  /**
   * Seconds its containers keep serving after the stop signal (a preStop sleep, envoy's drain).
   * @default 0
   */
  readonly drainSeconds?: number;
  /**
   * The longest a request may run in its containers before they cut it (php-fpm's request_terminate_timeout).
   * @default 0 (it serves no requests of its own)
   */
  readonly requestTimeoutSeconds?: number;
}

/** What every part is built from. */
export interface PodPartContext {
  readonly release: ResolvedRelease;
  /** `mediawiki-<release>`: the prefix of container and ConfigMap names. */
  readonly prefix: string;
  /** The Secret cert-manager writes the TLS proxy's certificate into. */
  readonly tlsSecretName: string;
  /** Seconds httpd and php-fpm keep serving after the stop signal, while the endpoints drain. */
  readonly preStopSleepSeconds: number;
}

/** Containers beside httpd and php-fpm: always run (the TLS proxy) or behind a switch of the service profile. */
export interface Sidecar {
  /**
   * The service profile's switch (`sidecars.<name>`) that runs it.
   * @default - every pod runs it
   */
  readonly profileSwitch?: keyof ServiceProfile['sidecars'];
  readonly build: (context: PodPartContext) => PodPart;
}

/** The image of a sidecar: a `<repository>:<tag>` of the platform inside the release's registry. */
export function sidecarImage(release: ResolvedRelease, image: keyof ResolvedRelease['platform']['images']): string {
  return `${release.registry}/${release.platform.images[image]}`;
}
