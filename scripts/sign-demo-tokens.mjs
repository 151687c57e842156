// Signs the demo tokens: every mapfiles/tokens/NAME.json payload becomes NAME.jwt, signed with a demo key
// made here (RS256 kid rsa1, or ES256 kid ec1), whose public JWKS is written to mapfiles/keys/demo.jwks
// and pinned in mapfiles/tokenmap.ini. The private keys are never written: rerunning makes new ones.
// The payload bytes are the JSON file's, unchanged. Run: node scripts/sign-demo-tokens.mjs
import { generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const EC_SIGNED = new Set(['cms-pilot', 'fnal-pilot']);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = (pair, kid, alg) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
const keys = { keys: [jwk(rsa, 'rsa1', 'RS256'), jwk(ec, 'ec1', 'ES256')] };
writeFileSync('mapfiles/keys/demo.jwks', JSON.stringify(keys, null, 2) + '\n');

const b64 = (b) => Buffer.from(b).toString('base64url');
for (const file of readdirSync('mapfiles/tokens').filter((f) => f.endsWith('.json'))) {
  const name = file.replace(/\.json$/, '');
  const es = EC_SIGNED.has(name);
  const header = { alg: es ? 'ES256' : 'RS256', kid: es ? 'ec1' : 'rsa1', typ: 'at+jwt' };
  const input = `${b64(JSON.stringify(header))}.${b64(readFileSync(`mapfiles/tokens/${file}`, 'utf8').trim())}`;
  const sig = sign(
    'sha256',
    Buffer.from(input),
    es ? { key: ec.privateKey, dsaEncoding: 'ieee-p1363' } : rsa.privateKey,
  );
  writeFileSync(`mapfiles/tokens/${name}.jwt`, `${input}.${b64(sig)}\n`);
}
