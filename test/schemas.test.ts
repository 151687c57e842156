// The standalone validators the CLI uses agree with runtime ajv on the same schemas (toolchain.md §4),
// and the shipped example configuration is valid.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { validate as configValidator } from '../src/generated/config-validator.js';
import { validate as policyValidator } from '../src/generated/policy-validator.js';
import { ROOT } from './helpers/run.js';

const addFormats = addFormatsModule.default;
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.schema.json`), 'utf8'));
type V = ((d: unknown) => boolean) & { errors?: { keyword: string; instancePath: string }[] | null };

const invalid: Record<string, unknown[]> = {
  config: [
    {},
    { rules: { source: 'nokind:x' } },
    { rules: { source: ['mapfile:a'] }, audience: { wlcg_any: 'maybe' } },
    { rules: { source: 'mapfile:a' }, 'plugin X.Y': { policy: 'p' } },
  ],
  policy: [
    { mappings: { u: 'a b c d' } },
    { rules: { r: { account: 'x' } } },
    { rules: { r: { issuer: 'i', vo: 'a:b' } } },
    { rules: { r: { issuer: 'i', subgroup: 's' } } },
    { pools: { p: {} } },
    { other: {} },
  ],
};

for (const [name, standalone] of [
  ['config', configValidator],
  ['policy', policyValidator],
] as const) {
  t.test(`${name}: standalone and runtime ajv report the same keywords`, async (t) => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const runtime = ajv.compile(schema(name)) as V;
    for (const doc of invalid[name] ?? []) {
      const s = standalone as V;
      t.equal(s(doc), false, `${JSON.stringify(doc)} is invalid`);
      runtime(doc);
      const keys = (v: V) => (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort();
      t.same(keys(s), keys(runtime));
    }
  });
}
