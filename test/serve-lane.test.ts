// The fast lane (tokenmap serve --port, tokenmap-callout --port), spawned as a CE spawns the callout: a
// port that is not privileged is never contacted, a stopped or killed service sends the client to the
// cold path within its bound (also with a full accept queue, where a connect would hang), malformed and
// oversized requests are refused on their own connection, 1,000 concurrent clients.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { arc7Env } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';
import {
  CALLOUT,
  eventually,
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
const PAYLOAD = JSON.stringify(ATLAS);
const esc = (s: string) => s.replace(/[.\\/]/g, '\\$&');

function site(user = 'alice') {
  const dir = scratch();
  put(dir, 'condor_mapfile', `SCITOKENS /^${esc(ATLAS.iss as string)},${esc(ATLAS.sub as string)}$/ ${user}\n`);
  return put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
}

async function withLane(t: Test, config: string): Promise<Service & { port: number }> {
  const s = await startService(['--config', config], { lane: true });
  t.teardown(() => {
    s.child.kill('SIGCONT');
    return s.stop();
  });
  return s as Service & { port: number };
}

const condor = (svc: { socket: string; port?: number }, config: string, env: Record<string, string> = {}) =>
  runCallout(svc.socket, ['htcondor-plugin', '--config', config], { stdin: PAYLOAD, env }, svc.port);

const served = async (socket: string) => metric(socket, 'tokenmap_decisions_total{result="mapped"}');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw request on the lane, and everything the service sends back before it closes. */
function raw(port: number, bytes: Buffer | string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = createConnection({ host: '127.0.0.1', port });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.write(bytes);
  });
}
const request = (...records: string[]) => Buffer.from(['tokenmap-callout/1', ...records, '.', ''].join('\0'), 'latin1');

t.test('the lane answers; status and metrics show it', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const r = await condor(svc, config);
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.stderr, '');
  t.equal(await served(svc.socket), 1, 'answered by the service');
  t.equal(await metric(svc.socket, 'tokenmap_callout_requests_total{lane="tcp"}'), 1, 'over the lane');
  t.equal(await metric(svc.socket, 'tokenmap_callout_requests_total{lane="socket"}'), 0, 'not the Unix socket');
  await condor({ socket: svc.socket }, config);
  t.equal(await metric(svc.socket, 'tokenmap_callout_requests_total{lane="socket"}'), 1, 'without --port: the socket');
  t.equal((await status(svc.socket)).port, svc.port);
  const text = await runBin(['status', '--socket', svc.socket]);
  t.match(text.stdout.toString(), new RegExp(`and 127\\.0\\.0\\.1:${svc.port} \\(the fast lane\\)`));
  t.match(svc.log(), `listening on ${svc.socket} and 127.0.0.1:${svc.port}`);
  t.ok(existsSync(`${svc.socket}.alive`), 'the liveness file is next to the socket');
});

t.test('every way of giving the options takes the lane; a missing value is exit 2', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const plugin = ['htcondor-plugin', '--config', config];
  const p = String(svc.port);
  const forms: [string, string[], Record<string, string>][] = [
    ['--socket S --port N (the wiring snippet prints)', ['--socket', svc.socket, '--port', p], {}],
    ['--port N --socket S', ['--port', p, '--socket', svc.socket], {}],
    ['--socket=S --port=N', [`--socket=${svc.socket}`, `--port=${p}`], {}],
    ['--port N, the socket from the environment', ['--port', p], { TOKENMAP_SOCKET: svc.socket }],
    ['both from the environment', [], { TOKENMAP_SOCKET: svc.socket, TOKENMAP_PORT: p }],
    ['--port N twice, the last one counting', ['--port', '1', '--socket', svc.socket, '--port', p], {}],
  ];
  let lane = 0;
  for (const [name, options, env] of forms) {
    const r = await runBin([...options, ...plugin], { stdin: PAYLOAD, env, via: CALLOUT });
    t.equal(`${r.code} ${r.stdout}${r.stderr}`, '0 alice\n', name);
    t.equal(await metric(svc.socket, 'tokenmap_callout_requests_total{lane="tcp"}'), ++lane, `${name}: the lane`);
  }
  const empty = await runBin(['--port', '', '--socket', svc.socket, ...plugin], {
    stdin: PAYLOAD,
    env: { TOKENMAP_PORT: p },
    via: CALLOUT,
  });
  t.equal(`${empty.code} ${empty.stdout}${empty.stderr}`, '0 alice\n', '--port "" over $TOKENMAP_PORT: no lane');
  t.equal(await metric(svc.socket, 'tokenmap_callout_requests_total{lane="tcp"}'), lane, 'the Unix socket answered');
  for (const [args, needs] of [
    [['--socket'], '--socket needs a path'],
    [['--port', p, '--socket'], '--socket needs a path'],
    [['--socket', svc.socket, '--port'], '--port needs a port number'],
  ] as const) {
    const r = await runBin([...args], { stdin: PAYLOAD, via: CALLOUT });
    t.equal(`${r.code} ${r.stdout}${r.stderr}`, `2 tokenmap-callout: ${needs}\n`, args.join(' '));
  }
});

t.test(
  'a $TOKENMAP_CALLOUT_TIMEOUT that is not a positive number below 5 counts as 2 s: the payload still arrives',
  async (t) => {
    const config = site();
    const svc = await withLane(t, config);
    // `read -t 0` only polls and an invalid value reads nothing: either would have lost the payload.
    // 5 s and more: the service closes a lane connection that sent nothing for 5 s (src/serve/lane.ts).
    const values = ['0', '00', '0.0', 'abc', '-1', '1e3', '.5', '2 ', ' ', '$(id)', 'a[$(id)]', '5', '10', '30.5'];
    values.push(...fc.sample(fc.string({ unit: fc.constantFrom('0', '1', '.', '-', 'x', ' '), maxLength: 5 }), 10));
    for (const v of values) {
      const r = await condor(svc, config, { TOKENMAP_CALLOUT_TIMEOUT: v });
      t.equal(`${r.code} ${r.stdout}${r.stderr}`, '0 alice\n', JSON.stringify(v));
    }
    t.equal(await served(svc.socket), values.length, 'every one answered by the service');
  },
);

t.test('POSIXLY_CORRECT in the environment: a refused connection is still the cold answer, never exit 1', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  svc.child.kill('SIGKILL');
  await svc.stop();
  const r = await condor(svc, config, { POSIXLY_CORRECT: '1' });
  t.equal(`${r.code} ${r.stdout}`, '0 alice\n');
  t.match(r.stderr, /^tokenmap-callout: the service is not running \(connection refused\)/);
});

t.test('a liveness file that is not a regular file, or has no end, cannot hang the client', async (t) => {
  const config = site();
  const dir = scratch();
  const cases: [string, () => void][] = [
    [
      'a FIFO no one writes',
      () => void runBin(['-m', '600', join(dir, 'fifo.sock.alive')], { via: '/usr/bin/mkfifo' }),
    ],
    ['/dev/zero', () => symlinkSync('/dev/zero', join(dir, 'zero.sock.alive'))],
    ['a megabyte without a newline', () => writeFileSync(join(dir, 'big.sock.alive'), '9'.repeat(1 << 20))],
  ];
  for (const [name, make] of cases) {
    make();
    const sock = join(dir, `${['fifo', 'zero', 'big'][cases.findIndex((c) => c[0] === name)]}.sock`);
    await eventually(async () => existsSync(`${sock}.alive`), 2000);
    const started = Date.now();
    const r = await condor({ socket: sock, port: 999 }, config);
    t.equal(`${r.code} ${r.stdout}`, '0 alice\n', `${name}: the cold answer`);
    t.ok(Date.now() - started < 5000, `${name}: in ${Date.now() - started} ms`);
  }
});

t.test('the liveness file and a socket directory the service made are readable whatever its umask', async (t) => {
  const config = site();
  const dir = join(scratch(), 'run'); // made by the service itself
  const socket = join(dir, 'tokenmap.sock');
  const port = 600 + Math.floor(Math.random() * 424);
  // As the systemd unit runs it (UMask=0027), and stricter.
  const child = spawn(
    '/bin/sh',
    ['-c', 'umask 077 && exec "$@"', '-', BIN, 'serve', '--config', config, '--socket', socket, '--port', String(port)],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: 'ignore' },
  );
  t.teardown(() => void child.kill('SIGTERM'));
  const start = Date.now();
  while (!existsSync(`${socket}.alive`) && child.exitCode === null && Date.now() - start < 10_000) await sleep(50);
  if (child.exitCode !== null) return void t.comment('the random port was taken: not checked this time');
  t.equal(statSync(`${socket}.alive`).mode & 0o777, 0o644);
  t.equal(statSync(dir).mode & 0o777, 0o755, 'and the socket directory it made is 0755');
});

t.test('a port that is not privileged is never contacted', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  let contacted = 0;
  const rogue = createServer((s) => {
    contacted++;
    s.end('T 0 000008 000000\nmallory\n.');
  });
  await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void rogue.close());
  const port = (rogue.address() as { port: number }).port;
  t.ok(port >= 1024, `the rogue listens on ${port}, which any user may bind`);
  const r = await condor({ socket: svc.socket, port }, config);
  t.equal(r.stdout.toString(), 'alice\n', 'the right answer, from the Unix socket');
  t.equal(r.code, 0);
  t.match(r.stderr, new RegExp(`^tokenmap-callout: not using the fast lane: port ${port} is not privileged here`));
  const env = await condor({ socket: svc.socket }, config, { TOKENMAP_PORT: String(port) });
  t.equal(env.stdout.toString(), 'alice\n', 'the same for $TOKENMAP_PORT');
  t.equal(contacted, 0, 'the rogue listener saw no connection');
  t.equal(await served(svc.socket), 2, 'both answered by the service over its socket');
});

const unshare = '/usr/bin/unshare';
const noNetns = existsSync(unshare) ? false : 'no unshare here';
t.test('where any user may bind any port (a rootless container), the lane is refused', { skip: noNetns }, async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  // A network namespace of its own, with ip_unprivileged_port_start = 0, as rootless containers set it.
  const r = await runBin(
    [
      '-n',
      '/bin/sh',
      '-c',
      'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start && exec "$@"',
      '-',
      CALLOUT,
      '--socket',
      svc.socket,
      '--port',
      String(svc.port),
      'htcondor-plugin',
      '--config',
      config,
    ],
    { via: unshare, stdin: PAYLOAD },
  );
  t.equal(r.stdout.toString(), 'alice\n');
  t.match(
    r.stderr,
    /^tokenmap-callout: not using the fast lane: port \d+ is not privileged here \(ip_unprivileged_port_start 0\)/,
  );
  t.equal(await served(svc.socket), 1, 'answered through the Unix socket');
});

/** A listener of root's own on a privileged port, as another root service could hold one: counts contacts. */
async function privilegedRogue(t: Test): Promise<{ port: number; contacts: () => number }> {
  let contacted = 0;
  const rogue = createServer((s) => {
    contacted++;
    s.end('T 0 000008 000000\nmallory\n.');
  });
  t.teardown(() => void rogue.close());
  for (;;) {
    const port = 600 + Math.floor(Math.random() * 424);
    const ok = await new Promise<boolean>((resolve) => {
      rogue.once('error', () => resolve(false));
      rogue.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { port, contacts: () => contacted };
  }
}

// What /proc/sys/net/ipv4/ip_unprivileged_port_start holds for the client: null = cannot be read (hidden,
// as under ProcSubset=pid, or a kernel before 4.11). Put in place in a mount namespace of the client's own.
const procSysAs = (content: string | null) =>
  content === null
    ? 'mount -t tmpfs none /proc/sys'
    : `printf %s "$UPS" > "$UPS_FILE" && mount --bind "$UPS_FILE" /proc/sys/net/ipv4/ip_unprivileged_port_start`;

t.test('the lane is taken only where the port is known to be privileged (property)', { skip: noNetns }, async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const rogue = await privilegedRogue(t);
  const upsFile = join(scratch(), 'ups');
  const valid = fc.integer({ min: 0, max: 65536 }).map((n) => `${n}\n`);
  const garbage = fc.oneof(
    fc.constant(''),
    fc.constant('\n'),
    fc.string({ unit: fc.constantFrom('1', '0', ' ', '-', 'x', '\n', '\t', '9'), maxLength: 8 }),
    fc.integer({ min: 0, max: 65536 }).map((n) => ` ${n}\n`),
    fc.integer({ min: 100000, max: 9999999 }).map(String),
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(valid, garbage, fc.constant(null)), async (content) => {
      const before = rogue.contacts();
      const r = await runBin(
        [
          '-m',
          '/bin/sh',
          '-c',
          `${procSysAs(content)} && exec "$@"`,
          '-',
          CALLOUT,
          '--socket',
          svc.socket,
          '--port',
          String(rogue.port),
          'htcondor-plugin',
          '--config',
          config,
        ],
        { via: unshare, stdin: PAYLOAD, env: { UPS: content ?? '', UPS_FILE: upsFile } },
      );
      const start = content !== null && /^[0-9]{1,5}\n?$/.test(content) ? Number(content) : null;
      const lane = start !== null && rogue.port < start;
      t.equal(r.code, 0);
      t.equal(r.stdout.toString(), lane ? 'mallory\n' : 'alice\n', `content ${JSON.stringify(content)}`);
      t.equal(rogue.contacts() - before, lane ? 1 : 0, 'the port is contacted only when known to be privileged');
      if (content === null) t.match(r.stderr, /ip_unprivileged_port_start cannot be read/);
      return true;
    }),
    { numRuns: 25, examples: [[null], ['1024\n'], ['0\n'], [''], ['1024 \n']] },
  );
});

t.test(
  'a service that cannot read ip_unprivileged_port_start opens no lane, and keeps its socket',
  { skip: noNetns },
  async (t) => {
    const config = site();
    const s = await startService(['--config', config], {
      lane: true,
      wrap: [unshare, '-m', '/bin/sh', '-c', `${procSysAs(null)} && exec "$@"`, '-'],
    });
    t.teardown(() => s.stop());
    const lines = s
      .log()
      .split('\n')
      .filter((l) => /fast lane/.test(l));
    t.equal(lines.length, 1, 'one line says so');
    t.match(
      lines[0],
      /^tokenmap serve: not opening the fast lane 127\.0\.0\.1:\d+: .*ip_unprivileged_port_start cannot be read/,
    );
    t.equal((await status(s.socket)).port, null, 'status shows no lane');
    t.notOk(existsSync(`${s.socket}.alive`), 'no liveness beat: clients do not try the port');
    const refused = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port: s.port as number });
      c.on('connect', () => (c.destroy(), resolve(false)));
      c.on('error', () => resolve(true));
    });
    t.ok(refused, 'nothing listens on the port');
    const r = await condor(s, config);
    t.equal(r.stdout.toString(), 'alice\n');
    t.equal(await served(s.socket), 1, 'answered by the service over its socket');
  },
);

t.test('a stdout that cannot be written is exit 2 on both lanes, as in the cold path', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const full = (...via: string[]) =>
    runBin(['--norc', '-c', 'exec "$@" > /dev/full', '-', ...via, 'htcondor-plugin', '--config', config], {
      via: '/bin/bash',
      stdin: PAYLOAD,
    });
  const [lane, unix, cold] = await Promise.all([
    full(CALLOUT, '--socket', svc.socket, '--port', String(svc.port)),
    full(CALLOUT, '--socket', svc.socket),
    full('/usr/bin/env', '-u', 'NODE_OPTIONS', BIN),
  ]);
  t.equal(cold.code, 2, 'the cold path');
  for (const [name, r] of [
    ['fast lane', lane],
    ['Unix socket', unix],
  ] as const) {
    t.equal(r.code, 2, `${name}: exit 2`);
    t.equal(r.stderr, 'tokenmap-callout: cannot write to stdout; nothing was delivered\n', `${name}: one line`);
  }
  t.equal(await served(svc.socket), 2, 'both were answered by the service (the write failed, not the lane)');
});

t.test('a closed stdout is exit 2 on both lanes and cold, a decline included (nothing to print)', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const declined = JSON.stringify({ ...ATLAS, sub: 'somebody-else' });
  const closed = (stdin: string, ...via: string[]) =>
    runBin(['--norc', '-c', 'exec "$@" >&-', '-', ...via, 'htcondor-plugin', '--config', config], {
      via: '/bin/bash',
      stdin,
    });
  for (const [what, stdin] of [
    ['mapped', PAYLOAD],
    ['declined', declined],
  ] as const) {
    const [lane, unix, cold] = await Promise.all([
      closed(stdin, CALLOUT, '--socket', svc.socket, '--port', String(svc.port)),
      closed(stdin, CALLOUT, '--socket', svc.socket),
      closed(stdin, '/usr/bin/env', '-u', 'NODE_OPTIONS', BIN),
    ]);
    t.equal(
      `${cold.code} ${cold.stderr}`,
      '2 tokenmap: cannot write to stdout (it is closed); nothing was delivered\n',
    );
    for (const [name, r] of [
      ['fast lane', lane],
      ['Unix socket', unix],
    ] as const)
      t.equal(
        `${r.code} ${r.stderr}`,
        '2 tokenmap-callout: cannot write to stdout; nothing was delivered\n',
        `${what}, ${name}`,
      );
  }
});

t.test('no service on the port: the cold path, silently', async (t) => {
  const config = site();
  const dir = scratch();
  const r = await condor({ socket: join(dir, 'none.sock'), port: 600 + Math.floor(Math.random() * 424) }, config);
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.stderr, '', 'no liveness file: a site without the service, the lane is not even tried');
});

t.test('a killed service (its liveness file still fresh): connection refused, the cold path', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  svc.child.kill('SIGKILL');
  await svc.stop();
  t.ok(existsSync(`${svc.socket}.alive`), 'a killed service could not remove its liveness file');
  const r = await condor(svc, config);
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.code, 0);
  t.match(r.stderr, /^tokenmap-callout: the service is not running \(connection refused\) \(127\.0\.0\.1:\d+\)/);
});

t.test('a stopped service: the cold path within the bound', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  svc.child.kill('SIGSTOP');
  const r = await condor(svc, config, { TOKENMAP_CALLOUT_TIMEOUT: '0.5' });
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.code, 0);
  t.match(r.stderr, /^tokenmap-callout: no answer within 0\.5 s \(127\.0\.0\.1:\d+\)/);
  t.comment(`answered in ${r.ms} ms (0.5 s bound, then the cold path)`);
});

t.test('killed mid-request: the client falls back and gives the right answer', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  svc.child.kill('SIGSTOP');
  const pending = condor(svc, config, { TOKENMAP_CALLOUT_TIMEOUT: '20' });
  await sleep(500); // the request is sent and waits for its answer
  svc.child.kill('SIGKILL');
  const r = await pending;
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'alice\n', 'the cold path answered, with the stdin bytes replayed');
  t.match(r.stderr, /^tokenmap-callout: no answer from the service \(the connection closed\)/);
});

t.test('a stopped service with a full accept queue: no connect is attempted, no hang', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  svc.child.kill('SIGSTOP');
  const stoppedAt = Date.now();
  // The kernel completes handshakes for a stopped listener until its accept queue (4096) is full; after
  // that a SYN is dropped and a connect waits for retries, about two minutes: bash cannot bound that.
  const fill: Socket[] = [];
  t.teardown(() => fill.forEach((s) => s.destroy()));
  for (let i = 0; i < 4200; i++) {
    const s = createConnection({ host: '127.0.0.1', port: svc.port });
    s.on('error', () => {});
    fill.push(s);
  }
  const probe = createConnection({ host: '127.0.0.1', port: svc.port });
  probe.on('error', () => {});
  fill.push(probe);
  const connected = await Promise.race([
    new Promise<boolean>((r) => probe.once('connect', () => r(true))),
    sleep(3000).then(() => false),
  ]);
  t.notOk(connected, 'a connect to the port now hangs (the queue is full)');
  await sleep(Math.max(0, 2500 - (Date.now() - stoppedAt))); // the liveness beat is stale after 2 s
  const r = await condor(svc, config, { TOKENMAP_CALLOUT_TIMEOUT: '0.5' });
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.code, 0);
  t.match(
    r.stderr,
    /no answer within 0\.5 s \(\/.*tokenmap\.sock\)/,
    'the client skipped the lane: the socket timed out',
  );
  t.ok(r.ms < 15_000, `answered in ${r.ms} ms, not after SYN retries`);
});

/** python3 -c EXECVE ENVP_JSON PROGRAM ARG...: exec PROGRAM with exactly that envp, duplicates and all. */
const EXECVE = `
import ctypes, json, os, sys
env = json.loads(sys.argv[1]); argv = sys.argv[2:]
arr = lambda xs: (ctypes.c_char_p * (len(xs) + 1))(*[os.fsencode(x) for x in xs], None)
ctypes.CDLL(None, use_errno=True).execve(os.fsencode(argv[0]), arr(argv), arr(env))
sys.exit(127)
`;

t.test('duplicate environment names: the one bash keeps, as in the cold path', async (t) => {
  const config = join(ROOT, 'mapfiles/tokenmap.ini');
  const svc = await withLane(t, config);
  const env = Object.entries(arc7Env(token('cms-pilot'))).map(([k, v]) => `${k}=${v}`);
  // Set again after the first ones: what bash (and so the cold path) keeps. Another issuer, other groups.
  const dup = [
    'BEARER_TOKEN_0_ISSUER=https://unknown.example/',
    'BEARER_TOKEN_0_CLAIM_iss_0=https://unknown.example/',
    'BEARER_TOKEN_0_CLAIM_wlcg.groups_0=/nobody',
    'BEARER_TOKEN_0_CLAIM_wlcg.groups_1=/nobody',
  ];
  const args = ['arc-plugin', '--config', config];
  // env(1) and a spawn's env object both keep one of each name: a raw execve with the array is needed.
  const envp = JSON.stringify(['PATH=/usr/bin:/bin', ...env, ...dup]);
  const exec = (argv: string[]) => runBin(['-c', EXECVE, envp, ...argv], { via: '/usr/bin/python3', stdin: 'open' });
  const seen = (await exec(['/bin/cat', '/proc/self/environ'])).stdout.toString('latin1').split('\0');
  for (const d of dup) {
    const name = d.slice(0, d.indexOf('=') + 1);
    t.equal(seen.filter((e) => e.startsWith(name)).length, 2, `${name.slice(0, -1)} really twice in the environment`);
  }
  const run = (via: string[]) => exec([...via, ...args]);
  const [lane, unix, cold] = await Promise.all([
    run([CALLOUT, '--socket', svc.socket, '--port', String(svc.port)]),
    run([CALLOUT, '--socket', svc.socket]),
    run([BIN]),
  ]);
  t.equal(lane.stderr, '', 'the fast lane answered (no note, no fallback)');
  for (const [name, r] of [
    ['fast lane', lane],
    ['Unix socket', unix],
  ] as const) {
    t.equal(r.code, cold.code, `${name}: exit ${cold.code}`);
    t.ok(r.stdout.equals(cold.stdout), `${name}: stdout ${JSON.stringify(cold.stdout.toString())}`);
    t.equal(r.stderr, cold.stderr, `${name}: stderr`);
  }
  const results = ['mapped', 'declined', 'error'].map((r) =>
    metric(svc.socket, `tokenmap_decisions_total{result="${r}"}`),
  );
  t.equal(
    (await Promise.all(results)).reduce((a, b) => a + b),
    2,
    'both answered by the service',
  );
  t.not(cold.stdout.toString(), 'cmspilot', 'the duplicate (the last one) decided, not the first');
});

t.test('malformed, oversized and slow requests are refused on their own connection', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const slow = createConnection({ host: '127.0.0.1', port: svc.port });
  slow.on('error', () => {});
  slow.write('tokenmap-callout/1\0ahtcondor-plugin\0');
  t.teardown(() => void slow.destroy());
  const refused = 'F bad-request\n.';
  t.equal((await raw(svc.port, 'hello\0.\0')).toString(), refused, 'not our magic');
  t.equal((await raw(svc.port, request('ahtcondor-plugin', 'xjunk'))).toString(), refused, 'an unknown record');
  t.equal((await raw(svc.port, request('s1', 's2'))).toString(), refused, 'stdin twice');
  t.equal(
    (await raw(svc.port, Buffer.concat([request('a1'), Buffer.from('more')]))).toString(),
    refused,
    'bytes after the end',
  );
  t.equal((await raw(svc.port, Buffer.alloc(2 << 20, 0x61))).toString(), refused, 'over 1 MiB, no end record');
  const args = ['ahtcondor-plugin', 'a--config', `a${config}`, `s${PAYLOAD}`];
  t.equal((await raw(svc.port, request(...args))).toString(), 'T 0 6 0\nalice\n.', 'a good request alongside them');
  const v2 = Buffer.from(['tokenmap-callout/2', ...args, '.', ''].join('\0'), 'latin1');
  t.equal((await raw(svc.port, v2)).toString(), 'T 0 000006 000000\nalice\n.', 'version 2: the sizes six digits wide');
  const r = await condor(svc, config);
  t.equal(r.stdout.toString(), 'alice\n');
  t.equal(r.stderr, '');
  t.equal(await metric(svc.socket, 'tokenmap_requests_refused_total{status="400"}'), 4);
  t.equal(await metric(svc.socket, 'tokenmap_requests_refused_total{status="413"}'), 1);
});

// An unprivileged local user's attack on the lane: connections that trickle a byte every 200 ms (an idle
// timer would never fire), and connections that each send almost 1 MiB and then trickle (memory).
const ATTACK = `
const net = require('node:net');
const [port, trickle, big] = process.argv.slice(1).map(Number);
const lives = [];
const mib = Buffer.alloc((1 << 20) - 64, 0x61);
for (let i = 0; i < trickle + big; i++) {
  const at = Date.now();
  let beat;
  const s = net.createConnection({ host: '127.0.0.1', port }, () => {
    s.write('tokenmap-callout/1\\0');
    if (i < big) s.write(mib);
    beat = setInterval(() => s.write('a'), 200);
  });
  s.on('error', () => {});
  s.on('close', () => (clearInterval(beat), lives.push(Date.now() - at)));
}
setTimeout(() => {
  console.log(JSON.stringify({ closed: lives.length, longest: Math.max(0, ...lives), atOnce: lives.filter((l) => l < 500).length }));
  process.exit(0);
}, 9000);
`;

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

t.test('trickling and bulky connections from an unprivileged user: bounded, and callouts still answered', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  await condor(svc, config); // warm
  const pid = svc.child.pid as number;
  const before = rss(pid);
  const trickle = 300;
  const big = 300; // 300 MiB sent: held whole before the budget (measured: 340 MiB more), now 32 MiB
  const attack = runBin(
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '/usr/bin/env',
      '-u',
      'NODE_OPTIONS',
      process.execPath,
      '-e',
      ATTACK,
      String(svc.port),
      String(trickle),
      String(big),
    ],
    { via: '/usr/bin/setpriv', cwd: '/', killAfterMs: 30_000 },
  );
  let peak = 0;
  for (let i = 0; i < 25; i++, await sleep(100)) peak = Math.max(peak, rss(pid));
  const during = await condor(svc, config);
  t.equal(during.code, 0, 'during the attack: mapped');
  t.equal(during.stdout.toString(), 'alice\n', 'by the lane or by the cold path');
  t.ok(during.ms < 8000, `in ${during.ms} ms: no hang`);
  t.comment(`during the attack: ${JSON.stringify(during.stderr) || 'the lane'}, ${during.ms} ms`);
  t.ok(
    peak - before < 128 << 20,
    `service memory grew by ${((peak - before) / 2 ** 20).toFixed(1)} MiB (budget 32 MiB, plus reads not yet collected)`,
  );
  const result = await attack;
  t.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout.toString()) as { closed: number; longest: number; atOnce: number };
  t.equal(seen.closed, trickle + big, 'every attacking connection was closed by the service');
  t.ok(seen.longest < 8000, `the longest lived ${seen.longest} ms: a deadline from accept, not an idle timer`);
  t.comment(`${seen.atOnce} of ${trickle + big} closed within 0.5 s of their start (the cap, the budget)`);
  const after = await condor(svc, config);
  t.equal(after.stdout.toString(), 'alice\n');
  t.equal(after.stderr, '', 'after the attack: the lane again');
  t.ok((await metric(svc.socket, 'tokenmap_requests_refused_total{status="408"}')) > 0, 'timed out: 408');
  t.ok((await metric(svc.socket, 'tokenmap_requests_refused_total{status="503"}')) > 0, 'over the budget: 503');
});

t.test("connections beyond the lane's 256 are closed at once; the ones held end at the deadline", async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const held: Socket[] = [];
  t.teardown(() => held.forEach((s) => s.destroy()));
  let closed = 0;
  for (let i = 0; i < 300; i++) {
    const s = createConnection({ host: '127.0.0.1', port: svc.port }, () => s.write('tokenmap-callout/1\0'));
    s.on('error', () => {});
    s.on('close', () => closed++);
    s.resume(); // read what the service sends (its 408 frame), so that its close is seen
    held.push(s);
  }
  await sleep(2000); // well within the 5 s deadline of the ones accepted
  t.ok(closed >= 300 - 256, `${closed} of 300 closed at once`);
  t.ok(closed <= 300 - 256 + 10, 'the ones within the cap are held');
  const r = await condor(svc, config);
  t.equal(r.stdout.toString(), 'alice\n', 'a callout meanwhile: the cold path, or the lane');
  await eventually(async () => closed === 300, 6000);
  t.pass('all closed by the deadline');
});

t.test('the service will not open a lane anyone could have bound, or one that is taken', async (t) => {
  const config = site();
  const unprivileged = await runBin(
    ['serve', '--config', config, '--socket', join(scratch(), 's.sock'), '--port', '8080'],
    {
      killAfterMs: 5000,
    },
  );
  t.equal(unprivileged.code, 2);
  t.match(unprivileged.stderr, /^tokenmap: port 8080 is not privileged here \(.*ip_unprivileged_port_start is \d+\)/);
  const svc = await withLane(t, config);
  const socket = join(scratch(), 's.sock');
  const taken = await runBin(['serve', '--config', config, '--socket', socket, '--port', String(svc.port)], {
    killAfterMs: 5000,
  });
  t.equal(taken.code, 2);
  t.match(taken.stderr, new RegExp(`^tokenmap: 127\\.0\\.0\\.1:${svc.port} is taken by another process\\n$`));
  t.notOk(existsSync(socket), 'no socket left behind');
  const bad = await runBin(['serve', '--config', config, '--socket', socket, '--port', 'http'], { killAfterMs: 5000 });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--port "http" is not a TCP port/);
});

t.test('1,000 concurrent clients through the lane: every one right', async (t) => {
  const config = site();
  const svc = await withLane(t, config);
  const { code, ms, results } = await manyCallouts(
    ['--socket', svc.socket, '--port', String(svc.port), 'htcondor-plugin', '--config', config],
    PAYLOAD,
  );
  t.equal(code, 0);
  t.comment(`1,000 client processes in ${ms} ms`);
  t.equal(results.filter((r) => r.rc === '0\n' && r.out === 'alice\n').length, 1000, 'all right');
  const fellBack = results.filter((r) => r.err !== '').length;
  t.comment(`${fellBack} of 1,000 fell back to the cold path`);
  const mapped = await served(svc.socket);
  const overBudget = await metric(svc.socket, 'tokenmap_fallbacks_total{reason="over-budget"}');
  t.equal(mapped + overBudget, 1000 - fellBack, 'every request answered by the service or handed back');
});
