// Property: whatever a token's header says and whoever signed it, verification says "verified" only for
// an allowed alg, the pinned key of its kid, and an untouched signing input. Finds the siblings of the
// holes closed by tokens/verify: alg none / HMAC / confusion, keys carried in the header, crit, a payload
// swapped under a valid signature.
import t from 'tap';
import fc from 'fast-check';
import { tokenSettings } from '../src/tokens/settings.js';
import { verifyWithSettings } from '../src/tokens/verifier.js';
import { put, scratch } from './helpers/files.js';
import { ecKey, jwks, rsaKey, signToken } from './helpers/token-keys.js';

const NOW = 1_800_000_000;
const ISS = 'https://pinned.example.org/';
const rsa = rsaKey('rsa1');
const ec = ecKey('ec1');
const attacker = { rsa: rsaKey('rsa1'), ec: ecKey('ec1') };
const file = put(scratch(), 'k.jwks', JSON.stringify(jwks(rsa, ec)));
const settings = tokenSettings(
  { jwks: `${ISS} ${file}`, system_jwks_cache: 'no' },
  (p) => p,
  () => undefined,
);
const audience = { accept: ['https://ce'], wlcgAny: false, scitokensAny: false, missingOkIssuers: [] };
const verify = (token: string) => verifyWithSettings(token, settings, audience, { env: {}, now: () => NOW }, NOW);
const claims = { iss: ISS, sub: 's', aud: 'https://ce', 'wlcg.ver': '1.0', jti: 'j', iat: NOW, exp: NOW + 60 };

const header = fc.record(
  {
    alg: fc.constantFrom('RS256', 'ES256', 'none', 'HS256', 'RS384', 'PS256', 'ES384', 'EdDSA', 'rs256', ''),
    kid: fc.constantFrom('rsa1', 'ec1', '', 'other'),
    jwk: fc.constant(attacker.rsa.jwk),
    jku: fc.constant('https://evil.example/jwks'),
    x5c: fc.constant(['MIIB']),
    crit: fc.constant(['exp']),
  },
  { requiredKeys: [] },
);

t.test('only an allowed alg with the pinned key of its kid verifies', async (t) => {
  await fc.assert(
    fc.asyncProperty(header, fc.constantFrom('rsa', 'ec'), fc.boolean(), async (h, kind, byAttacker) => {
      const signer = byAttacker ? attacker[kind] : kind === 'rsa' ? rsa : ec;
      const v = await verify(signToken(signer, claims, { alg: undefined, kid: undefined, ...h }));
      const legit = !byAttacker && h.crit === undefined && h.alg === signer.alg && h.kid === signer.kid;
      return (v.result === 'verified') === legit; // header keys are ignored, never trusted
    }),
    { numRuns: 300 },
  );
  t.pass('verified exactly when the alg is allowed, the kid pinned and the signer legitimate');
});

t.test('a changed payload under a valid signature never verifies', async (t) => {
  const good = signToken(rsa, claims);
  const [h, , s] = good.split('.');
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('sub', 'iss', 'aud', 'exp', 'scope'),
      fc.string({ maxLength: 8 }),
      async (k, v) => {
        const changed = {
          ...claims,
          [k]: k === 'exp' ? NOW + 61 : `${String(claims[k as keyof typeof claims] ?? '')}${v}x`,
        };
        const p = Buffer.from(JSON.stringify(changed)).toString('base64url');
        return (await verify(`${h}.${p}.${s}`)).result !== 'verified';
      },
    ),
    { numRuns: 200 },
  );
  t.equal((await verify(good)).result, 'verified', 'the untouched token does');
});
