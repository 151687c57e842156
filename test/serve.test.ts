// tokenmap serve and bin/tokenmap-callout, spawned as a CE spawns the callout: reload, SIGHUP, failures
// of the service at every point (the client falls back and gives the right answer), an untrusted socket,
// malformed and oversized requests, 1,000 concurrent clients.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';
import {
  ask,
  eventually,
  form,
  manyCallouts,
  metric,
  runCallout,
  startService,
  status,
  type Service,
} from './helpers/service.js';

t.setTimeout(600_000); // 1,000 client processes on a shared 2-core machine

const token = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.json`), 'utf8')) as Record<string, unknown>;
const ATLAS = token('atlas-production');
const ISS = ATLAS.iss as string;
const SUB = ATLAS.sub as string;
const esc = (s: string) => s.replace(/[.\\/]/g, '\\$&');

/** A site of its own: a configuration and a map file that the tests edit. */
function site(mapLines: string) {
  const dir = scratch();
  const map = put(dir, 'condor_mapfile', mapLines);
  const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
  return { dir, map, config };
}
const line = (user: string) => `SCITOKENS /^${esc(ISS)},${esc(SUB)}$/ ${user}\n`;

async function withService(t: Test, args: string[]): Promise<Service> {
  const s = await startService(args);
  t.teardown(() => s.stop());
  return s;
}

const condor = (socket: string | undefined, config: string, stdin: string | Buffer = JSON.stringify(ATLAS), env = {}) =>
  runCallout(socket, ['htcondor-plugin', '--config', config], { stdin, env });

t.test('a change to a map file is in effect within 2 s, without a restart', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  t.equal((await condor(svc.socket, s.config)).stdout.toString(), 'alice\n');
  writeFileSync(s.map, line('bob'));
  const ms = await eventually(async () => (await condor(svc.socket, s.config)).stdout.toString() === 'bob\n');
  t.comment(`in effect after ${ms} ms (includes the callouts' own time)`);
  t.equal(await metric(svc.socket, 'tokenmap_reloads_total{result="ok"}'), 1);
  t.equal(await metric(svc.socket, 'tokenmap_config_generation'), 2);
});

t.test('a failed reload keeps the last good rules, logs FILE:LINE and shows in status', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  const good = readFileSync(s.config, 'utf8');
  writeFileSync(s.map, line('bob'));
  writeFileSync(s.config, good + '[audience]\nacept = x\n');
  await eventually(async () => (await status(svc.socket)).lastReloadError !== null);
  const st = await status(svc.socket);
  t.match(
    st.lastReloadError,
    new RegExp(`^${esc(s.config)}:6: unknown key "acept"`),
    'the error names the file and line',
  );
  t.equal(st.generation, 1, 'still the first generation');
  t.equal((await condor(svc.socket, s.config)).stdout.toString(), 'alice\n', 'the last good rules answer');
  t.match(svc.log(), new RegExp(`reload failed, keeping generation 1: ${esc(s.config)}:6: `));
  const text = await runBin(['status', '--socket', svc.socket]);
  t.match(text.stdout.toString(), /last reload error: ".*tokenmap\.ini:6: /);
  t.equal(await metric(svc.socket, 'tokenmap_last_reload_ok'), 0);
  writeFileSync(s.config, good);
  await eventually(async () => (await condor(svc.socket, s.config)).stdout.toString() === 'bob\n');
  t.equal((await status(svc.socket)).lastReloadError, null, 'a good reload clears the error');
});

t.test('SIGHUP reloads at once', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  svc.child.kill('SIGHUP');
  await eventually(async () => (await status(svc.socket)).generation === 2, 2000);
  t.pass('a new generation without any file change');
});

t.test('a ban added to the map file takes effect on the next decision after the reload', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  t.equal((await condor(svc.socket, s.config)).code, 0);
  writeFileSync(s.map, `SCITOKENS /^${esc(ISS)},${esc(SUB)}$/ alice@banned.htcondor.org\n`);
  svc.child.kill('SIGHUP');
  await eventually(async () => (await status(svc.socket)).generation === 2, 2000);
  const r = await condor(svc.socket, s.config);
  t.equal(r.code, 2);
  t.equal(r.stdout.length, 0);
  t.match(r.stderr, /^tokenmap: banned by .*condor_mapfile:1 /);
});

t.test('a ban added to the ban list takes effect on the very next decision', async (t) => {
  const s = site(line('alice'));
  const bans = put(s.dir, 'bans', '# none yet\n');
  writeFileSync(s.config, readFileSync(s.config, 'utf8') + `[bans]\nfile = ${bans}\n`);
  const svc = await withService(t, ['--config', s.config]);
  t.equal((await condor(svc.socket, s.config)).stdout.toString(), 'alice\n');
  writeFileSync(bans, `subject ${ISS} ${SUB}\n`);
  const r = await condor(svc.socket, s.config);
  t.equal(r.code, 2, 'no reload needed: ban lists are read on every decision, in the service as in the cold path');
  t.equal(r.stdout.length, 0);
  t.match(r.stderr, /^tokenmap: banned by .*bans:1 /);
  t.equal((await status(svc.socket)).generation, 1, 'the rules were not rebuilt for it');
});

t.test('the service stopped mid-request: the client falls back and gives the right answer', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  svc.child.kill('SIGSTOP');
  const pending = condor(svc.socket, s.config, JSON.stringify(ATLAS), { TOKENMAP_CALLOUT_TIMEOUT: '20' });
  await new Promise((r) => setTimeout(r, 500)); // the request is sent and waits for its answer
  svc.child.kill('SIGKILL');
  const r = await pending;
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'alice\n', 'the cold path answered, with the stdin bytes replayed');
  t.match(r.stderr, /^tokenmap-callout: no answer from the service/);
});

t.test('a service that does not answer in time: the client falls back after its bound', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  svc.child.kill('SIGSTOP');
  t.teardown(() => void svc.child.kill('SIGCONT'));
  const r = await condor(svc.socket, s.config, JSON.stringify(ATLAS), { TOKENMAP_CALLOUT_TIMEOUT: '0.5' });
  t.equal(r.stdout.toString(), 'alice\n');
  t.match(r.stderr, /no answer within 0\.5 s/);
  svc.child.kill('SIGCONT');
  await eventually(async () => (await metric(svc.socket, 'tokenmap_fallbacks_total{reason="timeout"}')) === 1);
  t.pass('the client reported the fallback once the service was back');
});

const activate = '/usr/bin/systemd-socket-activate';
const noActivate = existsSync(activate) ? false : 'no systemd-socket-activate here';
t.test('socket activation: the service listens on the descriptor systemd passes', { skip: noActivate }, async (t) => {
  const s = site(line('alice'));
  const socket = join(scratch(), 'activated.sock');
  const child = spawn(activate, ['-l', socket, '-E', 'PATH', BIN, 'serve', '--config', s.config], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: 'ignore',
  });
  t.teardown(() => void child.kill('SIGTERM'));
  await eventually(async () => existsSync(socket));
  const r = await condor(socket, s.config);
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.stderr, '', 'answered by the service systemd started on the first connection');
  t.equal(await metric(socket, 'tokenmap_decisions_total{result="mapped"}'), 1);
});

t.test('no service, or a dead one: the cold path, and a decline is never invented', async (t) => {
  const s = site(line('alice'));
  const absent = await condor(join(s.dir, 'nothing.sock'), s.config);
  t.equal(absent.stdout.toString(), 'alice\n');
  t.equal(absent.stderr, '', 'an absent socket is the normal case of a site without the service: silent');
  const svc = await startService(['--config', s.config]);
  svc.child.kill('SIGKILL');
  await svc.stop();
  const dead = await condor(svc.socket, s.config);
  t.equal(dead.stdout.toString(), 'alice\n');
  const broken = await condor(svc.socket, s.config, '{"iss":1}');
  t.equal(broken.code, 2, 'an error stays an error');
});

t.test('a socket another user owns, or in a directory others can write, is refused', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  const before = await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}');
  chownSync(svc.socket, 65534, 65534);
  const r = await condor(svc.socket, s.config);
  t.equal(r.stdout.toString(), 'alice\n', 'the cold path answered');
  t.match(r.stderr, /^tokenmap-callout: refusing a socket/);
  chownSync(svc.socket, 0, 0);
  chmodSync(dirname(svc.socket), 0o777);
  const w = await condor(svc.socket, s.config);
  t.match(w.stderr, /^tokenmap-callout: refusing a socket/, 'a world-writable directory');
  chmodSync(dirname(svc.socket), 0o700);
  t.equal(await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}'), before, 'the service was never asked');
  const ok = await condor(svc.socket, s.config);
  t.equal(ok.stderr, '', 'trusted again');
});

t.test('the service will not listen where others could have listened first', async (t) => {
  const dir = scratch();
  chmodSync(dir, 0o777);
  const s = site(line('alice'));
  const r = await runBin(['serve', '--config', s.config, '--socket', join(dir, 's.sock')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: .*: the socket directory is writable by group or others\n$/);
  const svc = await withService(t, ['--config', s.config]);
  const again = await runBin(['serve', '--config', s.config, '--socket', svc.socket]);
  t.equal(again.code, 2, 'a second service on a live socket');
  t.match(again.stderr, /another service answers on this socket/);
});

t.test('an invalid configuration stops the service before it listens', async (t) => {
  const s = site(line('alice'));
  writeFileSync(s.config, '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\nchek = no\n');
  const r = await runBin(['serve', '--config', s.config, '--socket', join(scratch(), 's.sock')], { killAfterMs: 5000 });
  t.equal(r.code, 2);
  t.match(r.stderr, /tokenmap\.ini:4: unknown key "chek"/);
});

t.test('requests for other rule sources or relative paths run the cold path', async (t) => {
  const s = site(line('alice'));
  const other = site(line('dave'));
  const svc = await withService(t, ['--config', s.config]);
  t.equal((await condor(svc.socket, other.config)).stdout.toString(), 'dave\n', 'another configuration');
  const rel = await runCallout(svc.socket, ['htcondor-plugin', '--config', 'tokenmap.ini'], {
    stdin: JSON.stringify(ATLAS),
    cwd: s.dir,
  });
  t.equal(rel.stdout.toString(), 'alice\n', 'a relative path, resolved by the cold path in its cwd');
  t.equal(await metric(svc.socket, 'tokenmap_fallbacks_total{reason="not-served"}'), 1);
  t.equal(await metric(svc.socket, 'tokenmap_fallbacks_total{reason="relative-path"}'), 1);
  const m = await runCallout(svc.socket, ['htcondor-plugin', '--mapfile', s.map], { stdin: JSON.stringify(ATLAS) });
  t.equal(m.stdout.toString(), 'alice\n', 'flag sources the service was not started with');
});

t.test('ARC: the environment with dotted names reaches the service; stdin is never read', async (t) => {
  const svc = await withService(t, ['--config', join(ROOT, 'mapfiles/tokenmap.ini')]);
  const config = join(ROOT, 'mapfiles/tokenmap.ini');
  const r = await runCallout(svc.socket, ['arc-plugin', '--config', config], {
    stdin: 'open',
    env: arc7Env(token('cms-pilot')),
  });
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'cmspilot', 'mapped by wlcg.groups, which only the dotted variables carry');
  t.equal(await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}'), 1, 'answered by the service');
});

t.test('malformed, oversized and slow requests are refused without affecting others', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  const slow = createConnection(svc.socket);
  slow.write('POST /v1/callout HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\narg=');
  t.equal((await ask(svc.socket, 'POST', '/v1/callout', 'arg=%zz')).status, 400);
  t.equal(
    (await ask(svc.socket, 'POST', '/v1/callout', Buffer.alloc(2 << 20, 0x61)).catch(() => ({ status: 413 }))).status,
    413,
  );
  t.equal((await ask(svc.socket, 'GET', '/nothing')).status, 404);
  t.equal((await ask(svc.socket, 'POST', '/v1/fallback?reason=made-up')).status, 400);
  const ok = await ask(
    svc.socket,
    'POST',
    '/v1/callout',
    form([
      ['arg', 'htcondor-plugin'],
      ['arg', '--config'],
      ['arg', s.config],
      ['stdin', JSON.stringify(ATLAS)],
    ]),
  );
  t.equal(ok.body.toString(), 'T 0 6 0\nalice\n.', 'a good request alongside them');
  t.equal((await condor(svc.socket, s.config)).stdout.toString(), 'alice\n');
  t.ok((await metric(svc.socket, 'tokenmap_requests_refused_total{status="400"}')) >= 2);
  slow.destroy();
});

t.test('1,000 concurrent clients: every one answered', async (t) => {
  const s = site(line('alice'));
  const svc = await withService(t, ['--config', s.config]);
  const body = form([
    ['arg', 'htcondor-plugin'],
    ['arg', '--config'],
    ['arg', s.config],
    ['stdin', JSON.stringify(ATLAS)],
  ]);
  const answers = await Promise.all(Array.from({ length: 1000 }, () => ask(svc.socket, 'POST', '/v1/callout', body)));
  t.equal(answers.filter((a) => a.body.toString() === 'T 0 6 0\nalice\n.').length, 1000, '1,000 connections at once');
  // And 1,000 real client processes.
  const { code, ms, results } = await manyCallouts(
    ['--socket', svc.socket, 'htcondor-plugin', '--config', s.config],
    JSON.stringify(ATLAS),
  );
  t.equal(code, 0);
  t.comment(`1,000 client processes in ${ms} ms`);
  t.equal(results.filter((r) => r.rc === '0\n' && r.out === 'alice\n').length, 1000, 'all right');
  const fellBack = results.filter((r) => r.err !== '').length;
  t.comment(`${fellBack} of 1,000 client processes fell back to the cold path`);
  // A decision that waited past the service's budget behind the others is handed to the cold path.
  const mapped = await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}');
  const overBudget = await metric(svc.socket, 'tokenmap_fallbacks_total{reason="over-budget"}');
  t.comment(`${overBudget} handed to the cold path for the service's time budget`);
  t.equal(mapped + overBudget, 2000 - fellBack, 'every request answered by the service or handed back');
});
