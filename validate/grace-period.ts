/**
 * Rule grace-period: a long-running pod's terminationGracePeriodSeconds covers its longest drain
 * plus its longest request timeout, so the kubelet does not kill a request that started just
 * before the drain ended. Read from the pod as rendered:
 * - drains: a preStop `sleep N` (exec, directly or in a shell line) and envoy's `DRAIN_TIME_S`;
 * - request timeouts: php-fpm's request_terminate_timeout (`FPM__request_terminate_timeout`).
 */
import { asArray, asObj, containersOf, formatPath, podSpecPath, str, type PodTemplate } from './objects.js';
import type { Finding } from './policy.js';

/** Kubernetes' default when the field is left out. */
const DEFAULT_GRACE_SECONDS = 30;

/** "201", "201s", "3m", "1h" (php-fpm's and envoy's duration spellings) in seconds. */
function seconds(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/.exec(text);
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]]);
}

interface Declared {
  readonly seconds: number;
  readonly what: string;
}

export function gracePeriodFindings(t: PodTemplate): Finding[] {
  const drains: Declared[] = [];
  const requests: Declared[] = [];
  for (const c of containersOf(t)) {
    if (c.init && c.container.restartPolicy !== 'Always') continue;
    const command = asArray(asObj(asObj(asObj(c.container.lifecycle).preStop).exec).command).map(String);
    const sleep = /(?:^|[\s/;&])sleep\s+(\d+)\b/.exec(command.join(' '));
    if (sleep) drains.push({ seconds: Number(sleep[1]), what: `container "${c.name}" sleeps ${sleep[1]} s in preStop` });
    for (const e of asArray(c.container.env)) {
      const env = asObj(e);
      const value = str(env.value);
      const s = value === undefined ? undefined : seconds(value);
      if (s === undefined) continue;
      if (env.name === 'DRAIN_TIME_S') drains.push({ seconds: s, what: `container "${c.name}" drains for ${s} s (DRAIN_TIME_S)` });
      if (env.name === 'FPM__request_terminate_timeout') requests.push({ seconds: s, what: `container "${c.name}" lets a request run ${s} s (request_terminate_timeout)` });
    }
  }
  if (!drains.length && !requests.length) return [];
  const longest = (list: Declared[]): Declared | undefined => list.reduce<Declared | undefined>((a, b) => (a && a.seconds >= b.seconds ? a : b), undefined);
  const drain = longest(drains);
  const request = longest(requests);
  const needed = (drain?.seconds ?? 0) + (request?.seconds ?? 0);
  const declared = t.spec.terminationGracePeriodSeconds;
  const grace = typeof declared === 'number' ? declared : DEFAULT_GRACE_SECONDS;
  if (grace >= needed) return [];
  return [
    {
      rule: 'grace-period',
      field: formatPath([...podSpecPath(t), 'terminationGracePeriodSeconds']),
      template: t,
      message: `terminationGracePeriodSeconds ${grace}${typeof declared === 'number' ? '' : ' (the default)'} is shorter than the longest drain plus the longest request, ${needed} s: ${[drain, request].filter((d) => d).map((d) => d!.what).join(', then ')}`,
    },
  ];
}
