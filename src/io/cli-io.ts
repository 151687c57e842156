/**
 * Everything a command touches outside itself, injected, so that commands can be run in process by tests
 * and by a long-lived server (memory-io.ts). `main()` called without an Io uses the real process
 * (process-io.ts).
 */
export interface CliStdin {
  isTTY: boolean;
  stream: AsyncIterable<Buffer | string>;
  /** Stop reading and release the descriptor, so that an unfinished writer cannot keep the process alive. */
  close(): void;
}

export interface CliIo {
  out(data: string | Uint8Array): void;
  /** One diagnostic line (the newline is added). */
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** A function, so that a command that must never touch stdin (arc-plugin) never creates the stream. */
  stdin(): CliStdin;
  now(): number;
  /** The path of the executable that is running (what a CE must be told to call). */
  self: string;
  /** Whether stdout is a terminal (absent: it is not). */
  stdoutIsTerminal?(): boolean;
}
