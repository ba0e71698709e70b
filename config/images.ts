/**
 * environments/images.yaml: the registry, the repository of each image kind, and the tag (and
 * optional digests) of each flavour. Bots edit this file (bump).
 */
import { z } from 'zod';
import { ConfigError, fieldPath } from './errors.js';
import type { Deployments, FieldPath, ReleaseSpec } from './model.js';
import { Digest, FlavourName, ImageKind, OciTag, RegistryHost, RepositoryPath, nameMap } from './names.js';
import { parseWith, parseYamlSource, type YamlSource } from './yaml-source.js';

const Flavour = z.strictObject({
  tag: OciTag,
  /** mw flavours: per mw_kind; web flavours: under the key `web`. Pins the image by digest. */
  digests: nameMap(ImageKind, Digest).optional(),
});

export const ImagesFile = z.strictObject({
  registry: RegistryHost,
  mw_kinds: nameMap(ImageKind, RepositoryPath),
  web_repository: RepositoryPath,
  mw_flavours: nameMap(FlavourName, Flavour),
  web_flavours: nameMap(FlavourName, Flavour),
  /** Optional: where each tag's build is, `{tag}` standing for the tag (bump and rollback requests link tags to it). */
  build_link: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL' })
    .refine((v) => v.includes('{tag}'), 'must contain {tag}, the place of the tag in the link')
    .optional(),
});
export type ImagesFile = z.infer<typeof ImagesFile>;

export interface Images extends ImagesFile {
  readonly file: string;
}

/** The digest key of a web flavour's httpd image. */
export const WEB_DIGEST_KEY = 'web';

export function parseImages(file: string, text: string): Images {
  const source = parseYamlSource(file, text);
  const images = parseWith(source, ImagesFile);
  checkDigestKeys(source, images);
  return { file, ...images };
}

/** A digest under a key that names no image kind would pin nothing: the image would float. */
function checkDigestKeys(source: YamlSource, images: ImagesFile): void {
  const sections: [string, ImagesFile['mw_flavours'], readonly string[]][] = [
    ['mw_flavours', images.mw_flavours, Object.keys(images.mw_kinds)],
    ['web_flavours', images.web_flavours, [WEB_DIGEST_KEY]],
  ];
  for (const [section, flavours, kinds] of sections) {
    for (const [name, flavour] of Object.entries(flavours)) {
      for (const key of Object.keys(flavour.digests ?? {})) {
        if (kinds.includes(key)) continue;
        const path = [section, name, 'digests', key];
        const expected = section === 'mw_flavours' ? `an image kind of mw_kinds (${list(images.mw_kinds)})` : `"${WEB_DIGEST_KEY}", the one image of a web flavour`;
        throw new ConfigError({ file: source.file, field: fieldPath(path), line: source.lineOf(path) }, `"${key}" names no image kind; a digest key must be ${expected}`);
      }
    }
  }
}

export interface ReleaseImages {
  readonly app: string;
  readonly httpd: string;
}

/** The app and httpd image references of a release; assumes checkReleaseImages passed. */
export function releaseImages(images: Images, release: Pick<ReleaseSpec, 'mwKind' | 'mwFlavour' | 'webFlavour'>): ReleaseImages {
  const mw = images.mw_flavours[release.mwFlavour];
  const web = images.web_flavours[release.webFlavour];
  const ref = (repository: string, tag: string, digest?: string) => `${images.registry}/${repository}:${tag}${digest ? `@${digest}` : ''}`;
  return {
    app: ref(images.mw_kinds[release.mwKind], mw.tag, mw.digests?.[release.mwKind]),
    httpd: ref(images.web_repository, web.tag, web.digests?.[WEB_DIGEST_KEY]),
  };
}

/** Every flavour and kind a release names must exist in images.yaml; the error names both files. */
export function checkReleaseImages(images: Images, deployments: Deployments, releases: readonly ReleaseSpec[]): void {
  for (const release of releases) {
    const problems: [FieldPath, string][] = [];
    if (!images.mw_flavours[release.mwFlavour]) {
      problems.push([release.origin.mwFlavour, `unknown mw flavour "${release.mwFlavour}": ${images.file} defines ${list(images.mw_flavours)} under mw_flavours`]);
    }
    if (!images.web_flavours[release.webFlavour]) {
      problems.push([release.origin.webFlavour, `unknown web flavour "${release.webFlavour}": ${images.file} defines ${list(images.web_flavours)} under web_flavours`]);
    }
    if (!images.mw_kinds[release.mwKind]) {
      problems.push([release.origin.mwKind, `unknown mw_kind "${release.mwKind}": ${images.file} defines ${list(images.mw_kinds)} under mw_kinds`]);
    }
    const [path, problem] = problems[0] ?? [];
    if (path && problem) throw new ConfigError({ file: deployments.file, field: fieldPath(path), line: deployments.lineOf(path) }, problem);
  }
}

function list(map: Record<string, unknown>): string {
  const names = Object.keys(map).sort();
  return names.length ? names.map((n) => `"${n}"`).join(', ') : 'none';
}
