import { Testing } from 'cdk8s';
import { CanaryStep } from '../../constructs/canary-step.js';
import { MediaWikiDaemonSet } from '../../constructs/mediawiki-daemon-set.js';
import { MediaWikiRollout } from '../../constructs/mediawiki-rollout.js';
import { PercentOrCount } from '../../constructs/percent-or-count.js';
import { ReleaseDisruptionBudget } from '../../constructs/release-disruption-budget.js';
import { TlsCertificate } from '../../constructs/tls-certificate.js';
import { testChart } from './chart.js';

const base = { name: 'mediawiki-main', labels: { app: 'mediawiki' }, selector: { app: 'mediawiki' }, template: { spec: { containers: [] } } };

test('PercentOrCount reads the profile spelling and gives the Kubernetes int-or-string', () => {
  expect(PercentOrCount.parse('6%').toKube()).toBe('6%');
  expect(PercentOrCount.parse('0').toKube()).toBe(0);
  expect(() => PercentOrCount.parse('6 pods')).toThrow('"6 pods" is neither a count such as "1" nor a percentage such as "25%"');
  expect(() => PercentOrCount.percent(101)).toThrow('a percentage (101) must be a whole number from 0 to 100');
  expect(() => PercentOrCount.count(-1)).toThrow('a pod count (-1) must be a whole number, 0 or more');
});

test('a Rollout without settings gets the documented defaults', () => {
  const chart = testChart();
  const rollout = new MediaWikiRollout(chart, 'Rollout', { ...base, replicas: 3, steps: [CanaryStep.setWeight(10)] });
  const spec = Testing.synth(chart)[0].spec;
  expect(spec).toMatchObject({ revisionHistoryLimit: 5, rollbackWindow: { revisions: 3 }, progressDeadlineSeconds: 1200, progressDeadlineAbort: true });
  expect(spec.strategy.canary).toEqual({ maxSurge: '25%', maxUnavailable: '25%', steps: [{ setWeight: 10 }] });
  expect(rollout.apiObject.kind).toBe('Rollout');
});

test('Rollout settings are props', () => {
  const chart = testChart();
  new MediaWikiRollout(chart, 'Rollout', {
    ...base,
    replicas: 3,
    steps: [],
    maxSurge: PercentOrCount.percent(100),
    maxUnavailable: PercentOrCount.count(0),
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    rollbackWindowRevisions: 2,
    revisionHistoryLimit: 2,
  });
  const spec = Testing.synth(chart)[0].spec;
  expect(spec).toMatchObject({ revisionHistoryLimit: 2, rollbackWindow: { revisions: 2 }, progressDeadlineSeconds: 600, progressDeadlineAbort: false });
  expect(spec.strategy.canary).toMatchObject({ maxSurge: '100%', maxUnavailable: 0 });
  expect(() => new MediaWikiRollout(chart, 'Window', { ...base, replicas: 3, steps: [], rollbackWindowRevisions: 6 })).toThrow(
    "'rollbackWindowRevisions' (6) must be a whole number from 1 to 'revisionHistoryLimit' (5)",
  );
  expect(() => new MediaWikiRollout(chart, 'Stuck', { ...base, replicas: 3, steps: [], maxSurge: PercentOrCount.count(0), maxUnavailable: PercentOrCount.percent(0) })).toThrow(
    "'maxSurge' and 'maxUnavailable' cannot be both zero",
  );
});

test('the DaemonSet and the disruption budget take a PercentOrCount', () => {
  const chart = testChart();
  new MediaWikiDaemonSet(chart, 'DaemonSet', base);
  new ReleaseDisruptionBudget(chart, 'Budget', { ...base, maxUnavailable: PercentOrCount.parse('6%') });
  const [daemonSet, budget] = Testing.synth(chart);
  expect(daemonSet.spec.updateStrategy.rollingUpdate.maxUnavailable).toBe(1);
  expect(budget.spec.maxUnavailable).toBe('6%');
});

test('certificate lifetime and renewal are props, renewal before expiry', () => {
  const props = { name: 'c', secretName: 'c', labels: {}, dnsNames: ['a.example'], issuer: { name: 'i', kind: 'ClusterIssuer', group: 'cert-manager.io' } };
  const chart = testChart();
  new TlsCertificate(chart, 'Default', props);
  new TlsCertificate(chart, 'Short', { ...props, duration: '48h', renewBefore: '12h' });
  expect(Testing.synth(chart).map((o) => [o.spec.duration, o.spec.renewBefore])).toEqual([
    ['2160h', '360h'],
    ['48h', '12h'],
  ]);
  expect(() => new TlsCertificate(chart, 'Bad', { ...props, duration: '24h', renewBefore: '1440m' })).toThrow("'renewBefore' (1440m) must be shorter than 'duration' (24h)");
});
