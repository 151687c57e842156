// `check` and the callouts share one account refusal (engine/identity.ts): a well-known system account or
// group, which the callouts refuse, is an ACCOUNT_UNSAFE error in check, naming the line of the key.
import t from 'tap';
import { scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';

const policyFile = (account: string, group: string) =>
  `[rule r]\nissuer = https://iss.example/\naccount = ${account}\ngroup = ${group}\n`;

t.test('a well-known system account or group is an error in check, as the callout refuses it', async (t) => {
  const dir = scratch({ 'p.ini': policyFile('condor', 'wheel') });
  const r = await runBin(['check', 'p.ini'], { cwd: dir });
  t.equal(r.code, 1, r.stdout.toString());
  t.match(r.stdout.toString(), /^p\.ini:3:\d+: error ACCOUNT_UNSAFE account: /m);
  t.match(r.stdout.toString(), /^p\.ini:4:\d+: error ACCOUNT_UNSAFE group: /m);
});
