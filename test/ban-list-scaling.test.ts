// A ban list costs a decision in step with its length plus the token's claims, never their product: its
// entitlement bans were kept in arrays copied for every entry (40,000 entries took 15 s to index) and
// every token entitlement was compared with every ban on the same URN, each parsed again (5,000 bans
// against 1,000 entitlements: 4.1 s; review of 15b298b). Bans and entitlements share one URN under
// different authorities, the worst case for both. Growth is compared (eight times both), not timed.
import t from 'tap';
import { growth, type Callout } from './helpers/growth.js';
import { put, scratch } from './helpers/files.js';

const ISS = 'https://iss.example';
const URN = 'urn:mace:egi.eu:group:vo.example:role=member';
const dir = scratch({ condor_mapfile: 'SCITOKENS /^https:\\/\\/iss\\.example,/ x\n' });

function site(n: number): Callout {
  const bans = Array.from({ length: n }, (_, i) => `entitlement ${URN}#ban${i}.example\n`).join('');
  put(dir, `bans${n}`, bans);
  const config = put(
    dir,
    `site${n}.ini`,
    `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[bans]\nfile[] = bans${n}\n` +
      // Measured, not bounded: a loaded machine must not turn a slow run into a failure.
      '[limits]\nstdin_max = 4194304\ndeadline = 120\nregex_budget = 120\n',
  );
  const entitlements = Array.from({ length: n }, (_, i) => `${URN}#token${i}.example`);
  const stdin = JSON.stringify({ iss: ISS, sub: 'someone', eduperson_entitlement: entitlements });
  return { argv: ['htcondor-plugin', '--config', config], stdin, answer: 'x\n' };
}

t.test('a ban list and a token eight times as long: about eight times the work, not 64', async (t) => {
  const ratio = await growth(site(500), site(4000));
  t.ok(ratio < 20, `4,000 bans against 4,000 entitlements cost ${ratio.toFixed(1)}x 500 against 500`);
});

t.test("a ban on the URN without an authority, or with the token entitlement's, still bans", async (t) => {
  const { main } = await import('../src/cli/main.js');
  const { memoryIo } = await import('../src/io/memory-io.js');
  for (const [ban, line] of [
    [`entitlement ${URN}\n`, 1],
    [`entitlement ${URN}#other.example\nentitlement ${URN}#token7.example\n`, 2],
  ] as const) {
    put(dir, 'bans', `# a comment\n${ban}`);
    const config = put(
      dir,
      'banned.ini',
      '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[bans]\nfile[] = bans\n',
    );
    const io = memoryIo({ stdin: site(8).stdin, env: {}, self: 'tokenmap' });
    t.equal(await main(['htcondor-plugin', '--config', config], io), 2);
    t.match(io.stderr(), new RegExp(`bans:${line + 1}: banned by|banned by \\S+bans:${line + 1}`));
  }
});
