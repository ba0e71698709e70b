/**
 * Container image references (`registry/repository:tag@digest`), the one parser used by the
 * policy check, publish messages, diff and bump requests. images.yaml builds them
 * (config/images.ts); everything downstream takes them apart here.
 */
export interface ImageRef {
  /** Present when the first path component is a registry host (Docker's rule). */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const firstSlash = rest.indexOf('/');
  const first = firstSlash >= 0 ? rest.slice(0, firstSlash) : undefined;
  // Docker's rule: the first component is a registry if it has a dot or a port, or is localhost.
  const registry = first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  return { registry, repository: registry ? rest.slice(firstSlash + 1) : rest, tag, digest };
}

/** The image without its version: `registry/repository`. */
export function imageName(ref: ImageRef): string {
  return ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
}

/** `tag@digest`, `tag` or `@digest`: what moves when an image is bumped. */
export function imageVersion(ref: ImageRef): string {
  return `${ref.tag ?? ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `sha256:` and the first 12 hex digits: enough to tell digests apart in a sentence. */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest;
}
