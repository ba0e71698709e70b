/**
 * When Argo CD may sync MediaWiki automatically. Rendered into the `mediawiki` AppProject's
 * syncWindows; `mw-gitops plan` and bump requests say when the next window opens.
 */
import { DeploymentWindows } from '../config/windows.js';
import { checked } from '../config/profile.js';

export const windows = checked('environments/windows.ts', DeploymentWindows, [
  {
    kind: 'deny',
    // Friday 16:00 to Monday 06:00 UTC: nobody deploys into the weekend.
    schedule: '0 16 * * 5',
    duration: '62h',
    description: 'weekend freeze: Friday 16:00 to Monday 06:00 UTC (manual sync stays possible for emergencies)',
    manualSync: true,
  },
]);
