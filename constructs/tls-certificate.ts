import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface TlsCertificateProps {
  readonly name: string;
  readonly secretName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dnsNames: readonly string[];
  readonly issuer: { readonly name: string; readonly kind: string; readonly group: string };
  /**
   * Lifetime of each certificate, as a Go duration.
   * @default "2160h" (90 days)
   */
  readonly duration?: string;
  /**
   * How long before expiry cert-manager renews it; shorter than `duration`.
   * @default "360h" (15 days)
   */
  readonly renewBefore?: string;
}

/** The cert-manager Certificate the TLS proxy serves (no typed binding: cert-manager's CRD is not vendored). */
export class TlsCertificate extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: TlsCertificateProps) {
    super(scope, id);
    const duration = props.duration ?? '2160h';
    const renewBefore = props.renewBefore ?? '360h';
    if (hours(renewBefore, 'renewBefore') >= hours(duration, 'duration')) {
      throw new Error(`'renewBefore' (${renewBefore}) must be shorter than 'duration' (${duration})`);
    }
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        secretName: props.secretName,
        dnsNames: [...props.dnsNames],
        issuerRef: { ...props.issuer },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth'],
        duration,
        renewBefore,
      },
    });
  }
}

const UNIT_HOURS: Record<string, number> = { h: 1, m: 1 / 60, s: 1 / 3600 };

function hours(duration: string, prop: string): number {
  const match = /^([0-9]+)(h|m|s)$/.exec(duration);
  if (!match) throw new Error(`'${prop}' (${duration}) must be a duration such as "2160h", "90m" or "30s"`);
  return Number(match[1]) * UNIT_HOURS[match[2]];
}
