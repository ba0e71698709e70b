import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';

export interface TlsCertificateProps {
  readonly name: string;
  readonly secretName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dnsNames: readonly string[];
  readonly issuer: { readonly name: string; readonly kind: string; readonly group: string };
}

/** The cert-manager Certificate the TLS proxy serves (no typed binding: cert-manager's CRD is not vendored). */
export class TlsCertificate extends Construct {
  constructor(scope: Construct, id: string, props: TlsCertificateProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        secretName: props.secretName,
        dnsNames: [...props.dnsNames],
        issuerRef: { ...props.issuer },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth'],
        duration: '2160h',
        renewBefore: '360h',
      },
    });
  }
}
