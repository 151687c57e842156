// The bundle entry (dist/tokenmap.cjs): exports main() for bin/tokenmap, which runs it. Loading the
// bundle has no side effects, so the build can also load it to produce V8's code cache, running commands
// in process through memoryIo().
export { main } from './cli/main.js';
export { memoryIo } from './io/memory-io.js';
/** The service's evaluator thread loads this bundle and runs this; lazy, so a callout never loads it. */
export const runEvaluator = async (): Promise<void> => (await import('./cli/serve-thread.js')).runEvaluator();
