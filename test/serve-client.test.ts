// bin/tokenmap-callout against a service that answers anything but a frame (a broken or hostile process on
// the socket): whatever the bytes, the client never turns them into a decline or an identity; it falls
// back to the cold path, whose answer it gives.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseFrame } from '../src/serve/protocol.js';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';
import { CALLOUT, runCallout } from './helpers/service.js';

const ISS = 'https://iam.example.org/';
const dir = scratch();
put(dir, 'condor_mapfile', 'SCITOKENS /^https:\\/\\/iam\\.example\\.org\\/,pilot$/ alice\n');
const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
const payload = JSON.stringify({ iss: ISS, sub: 'pilot' });
/** A configuration of its own that maps the pilot to `user`: which answer came from where. */
function scratchConfig(user: string): string {
  const d = scratch();
  put(d, 'condor_mapfile', `SCITOKENS /^https:\\/\\/iam\\.example\\.org\\/,pilot$/ ${user}\n`);
  return put(d, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
}

const nearFrames = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.constantFrom('T', 'F', 't', 'T ', ''), fc.integer({ min: -1, max: 9 }), fc.nat(20), fc.nat(20))
    .chain(([tag, code, o, e]) =>
      fc
        .tuple(
          fc.string({ maxLength: 30 }),
          fc.constantFrom('.', '', '\n', '..'),
          fc.constantFrom('', ' ', '+', '-'),
          // Sizes of the width a frame has (6 digits), and of others.
          fc.constantFrom(0, 5, 6, 7),
        )
        .map(([text, end, pad, width]) => {
          const size = (n: number) => String(n).padStart(width, '0');
          return Buffer.from(`${tag} ${code} ${pad}${size(o)} ${size(e)}\n${text}${end}`);
        }),
    ),
);

t.test('any answer that is not a frame falls back to the cold answer', async (t) => {
  let answer = Buffer.alloc(0);
  const socket = join(scratch(), 'hostile.sock');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(answer));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.teardown(() => void server.close());
  const bodies = fc.sample(nearFrames, { numRuns: 60, seed: 7 }).filter((b) => parseFrame(b) === null);
  for (const body of bodies.slice(0, 30)) {
    answer = body;
    const r = await runCallout(socket, ['htcondor-plugin', '--config', config], { stdin: payload });
    t.equal(r.code, 0, `answer ${JSON.stringify(body.toString('latin1'))}: the cold path's exit`);
    t.equal(r.stdout.toString(), 'alice\n');
    if (!/^F [a-z-]+\n\.$/.test(body.toString('latin1')))
      t.match(r.stderr, /^tokenmap-callout: the service gave an answer that is not a frame/);
  }
});

/**
 * A listener of root's own on a privileged port that the client must take for the service (a fresh
 * liveness file next to the socket path), answering each request with `respond`.
 */
async function rogueLane(t: Test, respond: (s: Socket) => void): Promise<{ socket: string; port: number }> {
  const socket = join(scratch(), 'tokenmap.sock');
  // Written aside and renamed into place, as the service does (heartbeat.ts): a reader never sees it empty.
  const beat = () => (
    writeFileSync(`${socket}.tmp`, `${Date.now()}\n`),
    renameSync(`${socket}.tmp`, `${socket}.alive`)
  );
  beat();
  const beating = setInterval(beat, 200);
  t.teardown(() => clearInterval(beating));
  const held: Socket[] = [];
  const rogue = createNetServer((s) => {
    held.push(s);
    s.on('error', () => {});
    let seen = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      seen = Buffer.concat([seen, c]);
      if (seen.includes('\0.\0')) respond(s);
    });
  });
  t.teardown(() => (held.forEach((s) => s.destroy()), void rogue.close()));
  for (;;) {
    const port = 600 + Math.floor(Math.random() * 424);
    if (
      await new Promise<boolean>((ok) => rogue.once('error', () => ok(false)).listen(port, '127.0.0.1', () => ok(true)))
    )
      return { socket, port };
  }
}

// The fast lane reads a frame with bash globs, before deliver() (bin/tokenmap-callout): the same bytes
// through a privileged port, from a listener of root's own that the client must take for the service:
// none that is not a frame may be delivered.
t.test('on the fast lane too, any answer that is not a frame falls back to the cold answer', async (t) => {
  let answer = Buffer.alloc(0);
  const { socket, port } = await rogueLane(t, (s) => s.end(answer));
  const bodies = fc.sample(nearFrames, { numRuns: 80, seed: 11 }).filter((b) => parseFrame(b) === null);
  // What the glob reading must not take for a frame: a third size, sizes of 5 or 7 digits or without the
  // zeros, two spaces, a short body, sizes bash arithmetic would read as numbers (+0, 0x8, -0).
  bodies.unshift(
    ...[
      'T 0 000008 000000 000000\nmallory\n.',
      'T 0 00008 000000\nmallory\n.',
      'T 0 0000008 000000\nmallory\n.',
      'T 0  000008 000000\nmallory\n.',
      'T 0 000008\nmallory\n.',
      'T 0 000009 000000\nmallory\n.',
      'T 3 000008 000000\nmallory\n.',
      'T 0 000008 000000\nmallory\n',
      'T 0 000008 +00000\nmallory\n.',
      'T 0 0x0008 000000\nmallory\n.',
      'T 0 000008 -00000\nmallory\n.',
      'T 0 000008 000000 \nmallory\n.',
      'T 0 1234567 000000\nmallory\n.',
    ].map((s) => Buffer.from(s)),
  );
  for (const body of bodies.slice(0, 50)) {
    answer = body;
    const r = await runCallout(socket, ['htcondor-plugin', '--config', config], { stdin: payload }, port);
    const shown = JSON.stringify(body.toString('latin1'));
    t.equal(r.code, 0, `answer ${shown}: the cold path's exit`);
    t.equal(r.stdout.toString(), 'alice\n', `answer ${shown}: the cold path's answer`);
    if (body.length === 0) t.match(r.stderr, /^tokenmap-callout: no answer from the service \(the connection closed\)/);
    else if (!/^F [a-z-]+\n\.$/.test(body.toString('latin1')))
      t.match(r.stderr, /^tokenmap-callout: the service gave an answer that is not a frame \(127\.0\.0\.1:\d+\)/);
  }
});

t.test(
  'a frame whose connection the listener never closes is not delivered: the cold path after the bound',
  async (t) => {
    const { socket, port } = await rogueLane(t, (s) => s.write('T 0 000008 000000\nmallory\n.'));
    const r = await runCallout(
      socket,
      ['htcondor-plugin', '--config', config],
      {
        stdin: payload,
        env: { TOKENMAP_CALLOUT_TIMEOUT: '0.5' },
      },
      port,
    );
    t.equal(`${r.code} ${r.stdout}`, '0 alice\n', 'the cold answer');
    t.match(r.stderr, /^tokenmap-callout: no answer within 0\.5 s \(127\.0\.0\.1:\d+\)/);
  },
);

t.test('a service of the version before (plain sizes on the lane): its answer, delivered', async (t) => {
  const { socket, port } = await rogueLane(t, (s) => s.end('T 0 6 0\nalice\n.'));
  const r = await runCallout(socket, ['htcondor-plugin', '--config', scratchConfig('bob')], { stdin: payload }, port);
  t.equal(`${r.code} ${r.stdout}${r.stderr}`, '0 alice\n', "the service's answer, not the cold one (bob), and no note");
});

t.test('an answer of 1 MiB on a connection never closed is not taken for a frame', async (t) => {
  // A frame exactly as long as the client reads at most: the read stops at its limit, not at a close.
  const elen = 999_999;
  const olen = (1 << 20) - 19 - elen;
  const frame = `T 0 ${String(olen).padStart(6, '0')} ${elen}\nmallory\n${'m'.repeat(olen - 8)}${'e'.repeat(elen)}.`;
  t.equal(frame.length, 1 << 20);
  const { socket, port } = await rogueLane(t, (s) => s.write(frame));
  const r = await runCallout(socket, ['htcondor-plugin', '--config', config], { stdin: payload }, port);
  t.equal(`${r.code} ${r.stdout}`, '0 alice\n', 'the cold answer');
  t.match(r.stderr, /^tokenmap-callout: the service gave an answer that is not a frame/);
});

t.test('a client installed without the cold tokenmap next to it: exit 2 and one line, never 127', async (t) => {
  const alone = join(scratch(), 'tokenmap-callout');
  copyFileSync(CALLOUT, alone);
  const socket = join(scratch(), 'none.sock');
  for (const [name, args, stdin] of [
    ['htcondor-plugin, payload on stdin', ['htcondor-plugin', '--config', config], payload],
    ['arc-plugin', ['arc-plugin', '--config', config], undefined],
  ] as const) {
    const r = await runBin(['--socket', socket, ...args], { via: alone, stdin });
    t.equal(
      `${r.code} ${r.stdout}${r.stderr}`,
      `2 tokenmap-callout: cannot run ${join(alone, '..', 'tokenmap')} (it must be installed next to tokenmap-callout)\n`,
      name,
    );
  }
});

// With no service, the client replays the stdin it read to the cold tokenmap. A cold run that fails before
// reading it (here its configuration is missing) closes the pipe: the replay's write error is not a second
// stderr line beside the cold run's one, whether the client read all of stdin or only its first 100 KB.
t.test('a cold run that stops before reading stdin: its one line, not a write error beside it', async (t) => {
  const socket = join(scratch(), 'none.sock');
  const missing = join(scratch(), 'absent', 'tokenmap.ini');
  const cold = await runBin(['htcondor-plugin', '--config', missing], { stdin: payload });
  t.equal(cold.code, 2);
  for (const [name, size] of [
    ['a payload larger than a pipe holds', 90_000],
    ['a payload larger than the client reads', 1_100_000],
  ] as const) {
    const big = JSON.stringify({ iss: ISS, sub: 'x'.repeat(size) });
    for (let i = 0; i < 3; i++) {
      const r = await runBin(['--socket', socket, 'htcondor-plugin', '--config', missing], {
        via: CALLOUT,
        stdin: big,
      });
      t.equal(`${r.code} ${r.stdout}${r.stderr}`, `2 ${cold.stderr}`, `${name}, run ${i + 1}`);
    }
  }
});
