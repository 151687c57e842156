// The OSG-style `lookup -` workload of issue 11, generated from a fixed seed so that every run of
// `npm run bench` measures the same map file and principals: 10,000 lines over 600 issuers (some with a
// trailing slash), mostly anchored `^issuer,subject$` regex lines escaped the way OSG writes them, literal
// keys, issuer-only catch-alls, a few `\1` lines; principals 45% exact, 30% near misses, 25% other issuers.

/** mulberry32: a small seeded generator, so the workload is the same on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** OSG escapes `/` (the field delimiter) and `.`; some files also escape `:` and `-`. */
const osgEscape = (s, more) => s.replace(more ? /[/.:-]/g : /[/.]/g, (c) => '\\' + c);

export function osgWorkload({ lines = 10000, issuers = 600, principals = 200000, seed = 11 } = {}) {
  const rand = rng(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const iss = [];
  for (let i = 0; i < issuers; i++) {
    const shape = i % 4;
    const base =
      shape === 0
        ? `https://cilogon.org/vo${i}`
        : shape === 1
          ? `https://scitokens.org/vo${i}/`
          : shape === 2
            ? `https://iam${i}.example.org/`
            : `https://token${i}.example.edu`;
    iss.push(base);
  }
  const subject = (i) =>
    i % 3 === 0
      ? `http://cilogon.org/serverA/users/${10000 + Math.floor(rand() * 90000)}`
      : i % 3 === 1
        ? `${Math.floor(rand() * 0xffffffff).toString(16)}-6ab8-4fe2-9e4c-${Math.floor(rand() * 0xffffffff).toString(16)}`
        : `pilot-${Math.floor(rand() * 100000)}`;
  const body = [];
  const exact = []; // principals that some line names exactly
  const catchAll = [];
  let n = 0;
  while (body.length + catchAll.length < lines - 1) {
    const i = Math.floor(rand() * issuers);
    const issuer = iss[i];
    const r = rand();
    n++;
    if (r < 0.04) {
      catchAll.push(`SCITOKENS /^${osgEscape(issuer, i % 2)},/ vo${i}\n`);
    } else if (r < 0.042) {
      body.push(`SCITOKENS /^${osgEscape(issuer, false)},(pilot|prod)-([0-9]+)$/ \\1\\2\n`);
      exact.push(`${issuer},prod-${n}`);
    } else if (r < 0.14) {
      const sub = subject(n);
      body.push(`SCITOKENS "${issuer},${sub}" lit${n}\n`);
      exact.push(`${issuer},${sub}`);
    } else {
      const sub = subject(n);
      const flags = r > 0.99 ? 'i' : '';
      body.push(`SCITOKENS /^${osgEscape(issuer, i % 2)},${osgEscape(sub, i % 2)}$/${flags} user${n}\n`);
      exact.push(flags ? `${issuer},${sub.toUpperCase()}` : `${issuer},${sub}`);
    }
  }
  // Most catch-alls come after the lines they would shadow; some sit in the middle (first match wins).
  for (const line of catchAll) {
    if (rand() < 0.2) body.splice(Math.floor(rand() * body.length), 0, line);
    else body.push(line);
  }
  const text = '# OSG-style map file generated for npm run bench\n' + body.join('');
  const out = [];
  for (let k = 0; k < principals; k++) {
    const r = rand();
    if (r < 0.45) out.push(pick(exact));
    else if (r < 0.75) {
      const p = pick(exact);
      const near = rand();
      out.push(near < 0.4 ? p + 'x' : near < 0.8 ? p.slice(0, -1) + (p.endsWith('1') ? '2' : '1') : p.slice(0, -1));
    } else {
      // An issuer no line names, or a known one with its trailing slash added or removed.
      const i = Math.floor(rand() * issuers);
      const known = iss[i];
      const other =
        rand() < 0.5 ? `https://other${i}.example.net/` : known.endsWith('/') ? known.slice(0, -1) : known + '/';
      out.push(`${other},${subject(k)}`);
    }
  }
  return { text, principals: out, stdin: out.join('\n') + '\n' };
}
