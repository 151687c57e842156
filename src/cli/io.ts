/**
 * Everything a command touches outside itself, injected, so that commands can be run in process by tests
 * and by a future long-lived server. `main()` called without an Io uses the real process.
 */
export interface CliStdin {
  isTTY: boolean;
  stream: AsyncIterable<Buffer | string>;
}

export interface CliIo {
  out(data: string | Uint8Array): void;
  /** One diagnostic line (the newline is added). */
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** A function, so that a command that must never touch stdin (arc-plugin) never creates the stream. */
  stdin(): CliStdin;
  now(): number;
}

export function processIo(): CliIo {
  return {
    out: (data) => void process.stdout.write(data),
    err: (line) => void process.stderr.write(line + '\n'),
    env: process.env,
    stdin: () => ({ isTTY: process.stdin.isTTY === true, stream: process.stdin }),
    now: () => Date.now(),
  };
}
