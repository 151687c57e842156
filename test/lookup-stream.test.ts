// `lookup -` reading principals as they come: a writer that sends one line and waits gets its answer
// (batches take only what is already there), over a real pipe and over a socket pair; the time bound still
// cuts a catastrophic regex inside a large batch of string comparisons.
import t from 'tap';
import { spawn } from 'node:child_process';
import { BIN, runBin } from './helpers/run.js';
import { put, scratch } from './helpers/files.js';

const MAP = 'SCITOKENS /^https:\\/\\/iss\\.example\\/,alice$/ alice\nSCITOKENS /^(a+)+$/ slow\n';

/** Writes one line, waits for its answer line, then the next; resolves with the exit code. */
function converse(args: string[], lines: string[]): Promise<{ code: number | null; answers: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0] as string, args.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const answers: string[] = [];
    let buffered = '';
    let next = 0;
    const send = () => {
      if (next < lines.length) child.stdin.write(lines[next++] + '\n');
      else child.stdin.end();
    };
    child.stdout.on('data', (b: Buffer) => {
      buffered += b.toString();
      for (let lf = buffered.indexOf('\n'); lf >= 0; lf = buffered.indexOf('\n')) {
        answers.push(buffered.slice(0, lf));
        buffered = buffered.slice(lf + 1);
        send();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, answers });
    });
    send();
  });
}

for (const via of ['socket pair', 'pipe'] as const) {
  t.test(`one line at a time over a ${via}: each answer comes before the next line is sent`, async (t) => {
    const file = put(scratch(), 'm', MAP);
    const cmd = [BIN, 'lookup', '--mapfile', file, '-'];
    // `cat |` puts a real pipe(2) in front of tokenmap, as a shell pipeline does.
    const args = via === 'pipe' ? ['/bin/sh', '-c', 'cat | exec "$0" "$@"', ...cmd] : cmd;
    const r = await converse(args, ['https://iss.example/,alice', 'nobody', 'https://iss.example/,alice']);
    t.equal(r.code, 1, 'exit 1: one principal did not match');
    t.same(
      r.answers.map((a) => JSON.parse(a).matched),
      [true, false, true],
    );
  });
}

t.test('a catastrophic regex deep inside a large batch is cut at the time bound', async (t) => {
  const file = put(scratch(), 'm', MAP);
  const stdin = 'https://iss.example/,alice\n'.repeat(20000) + 'a'.repeat(40) + 'b\n' + 'nobody\n';
  const r = await runBin(['lookup', '--mapfile', file, '--timeout', '0.3', '-'], { stdin });
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`^tokenmap: ${file}:2: regex evaluation exceeded the time limit of 300 ms\\n$`));
});

t.test('principals that need no regex are answered whatever the bound', async (t) => {
  const file = put(scratch(), 'm', 'SCITOKENS /^x$/ x\nSCITOKENS "y" y\nSCITOKENS /^z/ z\n');
  const r = await runBin(['lookup', '--mapfile', file, '--timeout', '0.001', '-'], {
    stdin: 'x\ny\nzz\nx\n\n'.repeat(50000),
  });
  t.equal(r.code, 1, 'the empty lines do not match');
  const answers = r.stdout.toString().split('\n').slice(0, 5);
  t.same(
    answers.map((a) => JSON.parse(a).canonical ?? null),
    ['x', 'y', 'z', 'x', null],
  );
  t.equal(r.stdout.toString().split('\n').length - 1, 250000, 'one answer per principal');
});
