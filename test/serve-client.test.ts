// bin/tokenmap-callout against a service that answers anything but a frame (a broken or hostile process on
// the socket): whatever the bytes, the client never turns them into a decline or an identity; it falls
// back to the cold path, whose answer it gives.
import t from 'tap';
import fc from 'fast-check';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseFrame } from '../src/serve/protocol.js';
import { put, scratch } from './helpers/files.js';
import { runCallout } from './helpers/service.js';

const ISS = 'https://iam.example.org/';
const dir = scratch();
put(dir, 'condor_mapfile', 'SCITOKENS /^https:\\/\\/iam\\.example\\.org\\/,pilot$/ alice\n');
const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
const payload = JSON.stringify({ iss: ISS, sub: 'pilot' });

const nearFrames = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.constantFrom('T', 'F', 't', 'T ', ''), fc.integer({ min: -1, max: 9 }), fc.nat(20), fc.nat(20))
    .chain(([tag, code, o, e]) =>
      fc
        .tuple(fc.string({ maxLength: 30 }), fc.constantFrom('.', '', '\n', '..'), fc.constantFrom('', '0', ' '))
        .map(([text, end, pad]) => Buffer.from(`${tag} ${code} ${pad}${o} ${e}\n${text}${end}`)),
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
