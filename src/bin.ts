// The bundle entry (dist/tokenmap.cjs). main() never exits the process itself: setting the exit code
// lets Node flush stdout before it ends.
import { main } from './cli/main.js';

void main().then((code) => {
  process.exitCode = code;
});
