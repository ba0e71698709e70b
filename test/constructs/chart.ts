/**
 * A chart in an app that writes nothing, for construct tests. cdk8s's Testing.chart() and
 * Testing.app() create a temporary output directory on every call and never remove it (dozens
 * per test run); these tests only read the objects (Testing.synth, i.e. chart.toJson()).
 */
import { App, Chart } from 'cdk8s';

export function testChart(): Chart {
  return new Chart(new App(), 'test');
}
