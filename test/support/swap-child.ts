/**
 * Child process for the crash-safety test: writes a tree over argv[2] and, between moving the
 * old tree aside and moving the new one in, says "window" on stdout and waits to be killed.
 */
import { writeTreeAtomically } from '../../synth/tree-io.js';

const [out, contents] = process.argv.slice(2);
await writeTreeAtomically(out, new Map([['releases.json', contents]]), {
  atSwapWindow: () => {
    process.stdout.write('window\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until SIGKILL
  },
});
