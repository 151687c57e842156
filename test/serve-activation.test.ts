// systemd socket activation (dist-files/systemd/tokenmap.socket and its fast-lane drop-in), through
// systemd's own systemd-socket-activate: it binds what the socket unit would, passes the descriptors as
// LISTEN_FDS, and execs the service on the first connection. With the lane's port bound by systemd (root),
// the service needs no capability at all: here it runs as nobody with an empty capability set.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT } from './helpers/run.js';
import { eventually, metric, runCallout, status } from './helpers/service.js';

const ACTIVATE = '/usr/bin/systemd-socket-activate';
const SETPRIV = '/usr/bin/setpriv';
const skip = existsSync(ACTIVATE) && existsSync(SETPRIV) ? false : 'no systemd-socket-activate or setpriv here';
t.setTimeout(120_000);

const PAYLOAD = readFileSync(join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json'), 'latin1');
const MAPPING =
  'biomedpilot = * https://aai.egi.eu/auth/realms/egi * compute.create ' +
  'urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu';

/** A check-in-validator policy in a directory nobody can read and (for the liveness file) write. */
function site() {
  const dir = scratch();
  const policy = put(dir, 'check-in-validator.ini', `[mappings]\n${MAPPING}\n`);
  chmodSync(dir, 0o755);
  chownSync(dir, 65534, 65534);
  return { dir, policy, socket: join(dir, 'tokenmap.sock') };
}

interface Activated {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

/** systemd-socket-activate listening on `listen` (in that order), the service as nobody behind it. */
function activate(listen: string[], serveArgs: string[]): Activated {
  const child = spawn(
    ACTIVATE,
    [
      ...listen.flatMap((l) => ['-l', l]),
      SETPRIV,
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '/usr/bin/env',
      '-u',
      'NODE_OPTIONS',
      BIN,
      'serve',
      ...serveArgs,
    ],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

/** A connection, as the first callout makes: systemd starts the service on it. */
function knock(where: { path: string } | { port: number }): Promise<void> {
  return new Promise((resolve) => {
    const s = 'path' in where ? connect(where.path) : connect(where.port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('connect', () => (s.end(), resolve()));
  });
}

const privilegedPort = () => 600 + Math.floor(Math.random() * 424);

t.test('the fast lane on the port systemd bound: answered by a service with no capability', { skip }, async (t) => {
  const s = site();
  const port = privilegedPort();
  const svc = activate([s.socket, `127.0.0.1:${port}`], ['--socket', s.socket, '--port', String(port), '-c', s.policy]);
  t.teardown(() => (svc.child.kill('SIGTERM'), svc.exited));
  await eventually(async () => existsSync(s.socket), 10_000);
  await knock({ path: s.socket });
  await eventually(async () => svc.log().includes('listening on'), 30_000);
  t.match(svc.log(), `listening on ${s.socket} (passed by systemd) and 127.0.0.1:${port}`);
  const pid = (await status(s.socket)).pid as number;
  const proc = readFileSync(`/proc/${pid}/status`, 'latin1');
  t.match(proc, /^Uid:\t65534\t65534\t65534\t65534$/m, 'the service runs as nobody');
  t.match(proc, /^CapEff:\t0{16}$/m, 'with no effective capability');
  t.match(proc, /^CapBnd:\t0{16}$/m, 'and none it could gain');
  t.equal((await status(s.socket)).port, port, 'status shows the lane');
  await eventually(async () => existsSync(`${s.socket}.alive`), 5000);
  // The Unix socket out of the client's way: an answer from the service can only come over the lane.
  const moved = join(s.dir, 'moved.sock');
  renameSync(s.socket, moved);
  const r = await runCallout(s.socket, ['htcondor-plugin', '-c', s.policy], { stdin: PAYLOAD }, port);
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'biomedpilot\n');
  t.equal(r.stderr.toString(), '');
  t.equal(await metric(moved, 'tokenmap_decisions_total{result="mapped"}'), 1, 'answered by the service, on the lane');
});

for (const [name, listen, extra, message] of [
  [
    'a TCP socket passed first',
    (s: ReturnType<typeof site>, port: number) => [`127.0.0.1:${port}`, s.socket],
    (port: number) => ['--port', String(port)],
    /^tokenmap: the first socket systemd passed is a TCP socket: the Unix socket must be the first ListenStream=$/m,
  ],
  [
    'a second socket with no port configured',
    (s: ReturnType<typeof site>, port: number) => [s.socket, `127.0.0.1:${port}`],
    () => [],
    /^tokenmap: systemd passed a second socket \(the fast lane\) but no port is configured: set \[serve\] port to its port$/m,
  ],
  [
    'a second socket on another port than the configured one',
    (s: ReturnType<typeof site>, port: number) => [s.socket, `127.0.0.1:${port}`],
    (port: number) => ['--port', String(port + 1)],
    /^tokenmap: the second socket systemd passed is 127\.0\.0\.1:\d+, not 127\.0\.0\.1:\d+ \(\[serve\] port\)/m,
  ],
] as const)
  t.test(`refused at start, exit 2 with one line: ${name}`, { skip }, async (t) => {
    const s = site();
    const port = privilegedPort();
    const svc = activate(listen(s, port), ['--socket', s.socket, ...extra(port), '-c', s.policy]);
    t.teardown(() => (svc.child.kill('SIGTERM'), svc.exited));
    await eventually(async () => existsSync(s.socket), 10_000);
    await knock(name === 'a TCP socket passed first' ? { port } : { path: s.socket });
    t.equal(await svc.exited, 2);
    t.match(svc.log(), message);
    t.notMatch(svc.log(), /\n\s+at /, 'no stack trace');
  });
