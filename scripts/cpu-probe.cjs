// Loaded with --require by npm run bench: reports the CPU time (user + system) the process used when it
// exits, a figure that the other work on a shared machine disturbs far less than wall time.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\nTOKENMAP_BENCH_CPU_US=${user + system}\n`);
});
