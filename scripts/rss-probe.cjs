// Loaded with --require by npm run bench: reports the process's peak resident memory when it exits.
process.on('exit', () => process.stderr.write(`\nTOKENMAP_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`));
