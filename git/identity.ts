/** Who commits: GIT_AUTHOR_* / GIT_COMMITTER_* when set, else this default (works with no git config). */
export const DEFAULT_IDENTITY = { name: 'mw-gitops', email: 'mw-gitops@localhost' } as const;

/** The environment with the commit identity filled in, for git commands that commit. */
export function withIdentity(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const authorName = env.GIT_AUTHOR_NAME || DEFAULT_IDENTITY.name;
  const authorEmail = env.GIT_AUTHOR_EMAIL || DEFAULT_IDENTITY.email;
  return {
    ...env,
    GIT_AUTHOR_NAME: authorName,
    GIT_AUTHOR_EMAIL: authorEmail,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || authorName,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || authorEmail,
  };
}
