// Which rules `serve` may decide on the thread that accepts connections (engine/needs-watchdog.ts): only
// those whose evaluation cannot run away. A map line that is a real regex, a site safe_pattern (it sees
// what a `\1` made), a pool (a lease may wait for another taker) or many rules of one issuer sends
// decisions to the evaluator thread, which can be stopped; what reads as a regex but is a plain
// comparison does not.
import t from 'tap';
import { needsWatchdog } from '../src/engine/needs-watchdog.js';
import { buildRuleSet } from '../src/engine/rule-set.js';
import { loadSiteConfig } from '../src/config/config.js';
import { nodeReader } from '../src/io/node-reader.js';
import { poolSite } from './helpers/pool-site.js';
import { put, scratch } from './helpers/files.js';

const mapfile = (lines: string) => {
  const path = put(scratch(), 'condor_mapfile', lines);
  return buildRuleSet({ flags: [{ kind: 'mapfile', path }] }, nodeReader);
};
const site = (ini: string, files: Record<string, string>) => {
  const dir = scratch(files);
  return buildRuleSet({ config: loadSiteConfig(put(dir, 'tokenmap.ini', ini), nodeReader) }, nodeReader);
};
const POLICY = '[mappings]\nbiomedpilot = * https://aai.egi.eu/auth/realms/egi * compute.create urn:x:biomed\n';

t.test('no watchdog: nothing in the evaluation grows faster than its input', async (t) => {
  t.equal(needsWatchdog(mapfile('SCITOKENS "https://iss.example,alice" alice\n')), false, 'a literal key');
  t.equal(needsWatchdog(mapfile('SCITOKENS /^https:\\/\\/iss\\.example,alice$/ alice\n')), false, '^literal$');
  t.equal(needsWatchdog(mapfile('SCITOKENS /^https:\\/\\/iss\\.example,/ pilot\n')), false, 'an issuer catch-all');
  const policy = put(scratch(), 'check-in-validator.ini', POLICY);
  t.equal(needsWatchdog(buildRuleSet({ flags: [{ kind: 'policy', path: policy }] }, nodeReader)), false, 'policies');
  t.equal(
    needsWatchdog(
      site('[rules]\nsource[] = policy:p.ini\n[bans]\nfile[] = bans.txt\n', { 'p.ini': POLICY, 'bans.txt': '' }),
    ),
    false,
    'a ban list',
  );
  t.equal(
    needsWatchdog(
      site('[rules]\nsource[] = policy:p.ini\n[identity]\nsafe_pattern = ^[a-z_][a-z0-9_.-]{0,31}$\n', {
        'p.ini': POLICY,
      }),
    ),
    false,
    'the built-in safe pattern, written out',
  );
});

t.test('a watchdog: a real regex, a site safe pattern, a pool', async (t) => {
  t.equal(needsWatchdog(mapfile('SCITOKENS /^https:\\/\\/iss\\.example,(.*)$/ \\1\n')), true, 'a capture');
  t.equal(needsWatchdog(mapfile('SCITOKENS "a,b" b\nSCITOKENS /(a+)+$/ slow\n')), true, 'one regex line among others');
  t.equal(
    needsWatchdog(site('[rules]\nsource[] = policy:p.ini\n[identity]\nsafe_pattern = ^(a|a)*$\n', { 'p.ini': POLICY })),
    true,
    'a site safe_pattern',
  );
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => `u${i} = * https://iss.example * compute.create urn:x:g${i}\n`).join('');
  const policy = (n: number) => put(scratch(), 'cv.ini', `[mappings]\n${many(n)}`);
  t.equal(
    needsWatchdog(buildRuleSet({ flags: [{ kind: 'policy', path: policy(64) }] }, nodeReader)),
    false,
    '64 rules',
  );
  t.equal(
    needsWatchdog(buildRuleSet({ flags: [{ kind: 'policy', path: policy(65) }] }, nodeReader)),
    true,
    'more than 64 rules of one issuer (each reads the whole token)',
  );
  const pools = poolSite({ accounts: 2 });
  t.equal(
    needsWatchdog(buildRuleSet({ config: loadSiteConfig(pools.config, nodeReader) }, nodeReader)),
    true,
    'a pool',
  );
});
