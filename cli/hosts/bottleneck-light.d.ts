// bottleneck ships types for its main entry only. light.js, which @octokit/plugin-throttling
// loads, is the same class without Redis clustering.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
