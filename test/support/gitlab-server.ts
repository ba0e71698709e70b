/**
 * A GitLab-like REST server for tests: the merge-request endpoints bump uses. GitLab publishes no
 * JSON schema for them, so the answers follow the field list of GitLab's merge request API docs
 * (doc/api/merge_requests.md) and gitbeaker's MergeRequestSchema type: id, iid, project_id,
 * title, description, state, source_branch, target_branch, labels, web_url, references, …
 *
 *   GET  /api/v4/projects/:id/merge_requests?source_branch=&state=opened   MR[] (+ x-total, Link)
 *   POST /api/v4/projects/:id/merge_requests                               201 MR | 409 duplicate
 *   GET  /api/v4/projects/:id/merge_requests/:iid                          MR
 *   PUT  /api/v4/projects/:id/merge_requests/:iid                          MR
 *   401 {"message":"401 Unauthorized"}; 404 {"message":"404 Project Not Found"}.
 * `:id` is the URL-encoded project path (group%2Fproject) or the numeric id.
 */
import { startServer, type FakeServer, type LoggedRequest, type Reply } from './http-server.js';

export interface StoredMergeRequest {
  iid: number;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  state: 'opened' | 'closed' | 'merged';
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeGitLab extends FakeServer {
  readonly mergeRequests: StoredMergeRequest[];
  /** Responses whose shape does not match what gitbeaker's types promise (should stay empty). */
  readonly shapeErrors: string[];
}

export interface FakeGitLabOptions {
  readonly project: string;
  readonly projectId?: number;
  readonly token: string;
  readonly hasBranch?: (branch: string) => boolean;
}

const FIELDS: Record<string, string> = {
  id: 'number',
  iid: 'number',
  project_id: 'number',
  title: 'string',
  description: 'string',
  state: 'string',
  created_at: 'string',
  updated_at: 'string',
  target_branch: 'string',
  source_branch: 'string',
  source_project_id: 'number',
  target_project_id: 'number',
  labels: 'array',
  draft: 'boolean',
  web_url: 'string',
  sha: 'string',
  reference: 'string',
  references: 'object',
  author: 'object',
  merge_status: 'string',
  detailed_merge_status: 'string',
};

export async function startGitLab(options: FakeGitLabOptions): Promise<FakeGitLab> {
  const mergeRequests: StoredMergeRequest[] = [];
  const shapeErrors: string[] = [];
  const projectId = options.projectId ?? 42;
  let nextIid = 1;
  let now = Date.parse('2025-03-04T10:00:00Z');
  const tick = () => new Date((now += 1000)).toISOString();
  let base = '';

  const toJson = (mr: StoredMergeRequest): Record<string, unknown> => {
    const author = { id: 7, username: 'mw-gitops-bot', name: 'mw-gitops bot', state: 'active', locked: false, avatar_url: null, web_url: `${base}/mw-gitops-bot` };
    const value: Record<string, unknown> = {
      id: 1000 + mr.iid,
      iid: mr.iid,
      project_id: projectId,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      created_at: mr.createdAt,
      updated_at: mr.updatedAt,
      merged_by: null,
      merge_user: null,
      merged_at: null,
      closed_by: null,
      closed_at: null,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      user_notes_count: 0,
      upvotes: 0,
      downvotes: 0,
      author,
      assignees: [],
      assignee: null,
      reviewers: [],
      source_project_id: projectId,
      target_project_id: projectId,
      labels: [...mr.labels],
      draft: false,
      work_in_progress: false,
      milestone: null,
      merge_when_pipeline_succeeds: false,
      merge_status: 'can_be_merged',
      detailed_merge_status: 'mergeable',
      sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      merge_commit_sha: null,
      squash_commit_sha: null,
      discussion_locked: null,
      should_remove_source_branch: null,
      force_remove_source_branch: true,
      prepared_at: mr.createdAt,
      reference: `!${mr.iid}`,
      references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${options.project}!${mr.iid}` },
      web_url: `${base}/${options.project}/-/merge_requests/${mr.iid}`,
      time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
      squash: false,
      squash_on_merge: false,
      task_completion_status: { count: 0, completed_count: 0 },
      has_conflicts: false,
      blocking_discussions_resolved: true,
      approvals_before_merge: null,
    };
    for (const [field, type] of Object.entries(FIELDS)) {
      const actual = Array.isArray(value[field]) ? 'array' : typeof value[field];
      if (actual !== type) shapeErrors.push(`merge request !${mr.iid}: ${field} is ${actual}, expected ${type}`);
    }
    return value;
  };
  const message = (status: number, text: unknown): Reply => ({ status, body: { message: text } });

  const handler = (req: LoggedRequest): Reply => {
    const token = req.headers['private-token'] ?? (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (token !== options.token) return message(401, '401 Unauthorized');
    const m = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!m) return { status: 404, body: { error: '404 Not Found' } };
    const id = decodeURIComponent(m[1]);
    if (id !== options.project && id !== String(projectId)) return message(404, '404 Project Not Found');
    const rest = m[2] ?? '';
    const body = (req.body ?? {}) as Record<string, unknown>;

    if (rest === '/merge_requests' && req.method === 'GET') {
      const state = req.query.get('state');
      const source = req.query.get('source_branch');
      const target = req.query.get('target_branch');
      const perPage = Number(req.query.get('per_page') ?? 20);
      const page = Number(req.query.get('page') ?? 1);
      const matching = mergeRequests
        .filter((mr) => !state || state === 'all' || mr.state === state)
        .filter((mr) => !source || mr.sourceBranch === source)
        .filter((mr) => !target || mr.targetBranch === target)
        .sort((a, b) => b.iid - a.iid);
      const pages = Math.max(1, Math.ceil(matching.length / perPage));
      const headers: Record<string, string> = {
        'x-total': String(matching.length),
        'x-total-pages': String(pages),
        'x-per-page': String(perPage),
        'x-page': String(page),
        'x-next-page': page < pages ? String(page + 1) : '',
        'x-prev-page': page > 1 ? String(page - 1) : '',
      };
      if (page < pages) {
        const next = new URL(`${base}${req.path}`);
        req.query.forEach((v, k) => next.searchParams.set(k, v));
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage).map(toJson), headers };
    }
    if (rest === '/merge_requests' && req.method === 'POST') {
      const source = body.source_branch;
      const target = body.target_branch;
      const title = body.title;
      if (typeof source !== 'string' || typeof target !== 'string' || typeof title !== 'string') {
        return { status: 400, body: { error: 'source_branch, target_branch, title are missing' } };
      }
      if (options.hasBranch && !options.hasBranch(source)) return message(400, { source_branch: ['is invalid'] });
      if (options.hasBranch && !options.hasBranch(target)) return message(400, { target_branch: ['is invalid'] });
      const open = mergeRequests.find((mr) => mr.state === 'opened' && mr.sourceBranch === source && mr.targetBranch === target);
      if (open) return message(409, [`Another open merge request already exists for this source branch: !${open.iid}`]);
      const at = tick();
      const mr: StoredMergeRequest = {
        iid: nextIid++,
        title,
        description: typeof body.description === 'string' ? body.description : '',
        sourceBranch: source,
        targetBranch: target,
        state: 'opened',
        labels: splitLabels(body.labels),
        createdAt: at,
        updatedAt: at,
      };
      mergeRequests.push(mr);
      return { status: 201, body: toJson(mr) };
    }
    const one = /^\/merge_requests\/(\d+)$/.exec(rest);
    if (one) {
      const mr = mergeRequests.find((x) => x.iid === Number(one[1]));
      if (!mr) return message(404, '404 Not found');
      if (req.method === 'GET') return { status: 200, body: toJson(mr) };
      if (req.method === 'PUT') {
        if (typeof body.title === 'string') mr.title = body.title;
        if (typeof body.description === 'string') mr.description = body.description;
        if (typeof body.target_branch === 'string') mr.targetBranch = body.target_branch;
        if (body.labels !== undefined) mr.labels = splitLabels(body.labels);
        for (const label of splitLabels(body.add_labels)) if (!mr.labels.includes(label)) mr.labels.push(label);
        if (body.state_event === 'close') mr.state = 'closed';
        if (body.state_event === 'reopen') mr.state = 'opened';
        mr.updatedAt = tick();
        return { status: 200, body: toJson(mr) };
      }
    }
    return { status: 404, body: { error: '404 Not Found' } };
  };

  const server = await startServer(handler, { 'x-gitlab-meta': '{"correlation_id":"test","version":"1"}' });
  base = server.url;
  return Object.assign(server, { mergeRequests, shapeErrors });
}

function splitLabels(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return [];
}
