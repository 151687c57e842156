/** The entry of the service's evaluator thread (src/serve/evaluator-thread.ts), with main() and the rules' builder. */
import { runEvaluatorThread } from '../serve/evaluator-thread.js';
import { main } from './main.js';
import { primeRules } from './serve-rules.js';

export function runEvaluator(): void {
  runEvaluatorThread(main, primeRules);
}
