// Every test vector of shared/spec/htcondor-mapfile.md §16, through the real binary.
import t from 'tap';
import { runBin } from './helpers/run.js';
import { put, scratch } from './helpers/files.js';

interface Vector {
  id: string;
  mode: 'hash' | 'regex';
  map: string;
  method: string;
  principal: string;
  expect: string | null;
}

const S1 = 'SCITOKENS /^https:\\/\\/atlas-auth.web.cern.ch\\/,7dee38a3-6ab8-4fe2-9e4c-58039c21d817$/ atlasprd\n';
const vectors: Vector[] = [
  {
    id: 'T1',
    mode: 'regex',
    map: 'CLAIMTOBE smiller.* smiller\nCLAIMTOBE j.*r jackmiller\n',
    method: 'CLAIMTOBE',
    principal: 'jmiller',
    expect: 'jackmiller',
  },
  {
    id: 'T2',
    mode: 'hash',
    map: 'CLAIMTOBE /.*/ some_\\0\n',
    method: 'CLAIMTOBE',
    principal: 'uncle',
    expect: 'some_uncle',
  },
  { id: 'T3', mode: 'hash', map: 'KERBEROS /.*/ \\0\n', method: 'KERBEROS', principal: 'Alice', expect: 'Alice' },
  {
    id: 'T4',
    mode: 'hash',
    map: 'GSI "/DC=com/DC=DigiCert-Grid/O=Open Science Grid/OU=People/CN=Jack Miller" jmiller\n',
    method: 'GSI',
    principal: '/DC=com/DC=DigiCert-Grid/O=Open Science Grid/OU=People/CN=John Miller',
    expect: null,
  },
  {
    id: 'T5',
    mode: 'hash',
    map: 'CLAIMTOBE /^\\\\\\/(.*)$/ \\1@mapped\n',
    method: 'CLAIMTOBE',
    principal: '/allowed',
    expect: 'allowed@mapped',
  },
  {
    id: 'T6',
    mode: 'hash',
    map: 'CLAIMTOBE /^x[\\\\s](.*)$/ \\1@mapped\n',
    method: 'CLAIMTOBE',
    principal: 'x allowed',
    expect: 'allowed@mapped',
  },
  {
    id: 'S1',
    mode: 'hash',
    map: S1,
    method: 'SCITOKENS',
    principal: 'https://atlas-auth.web.cern.ch/,7dee38a3-6ab8-4fe2-9e4c-58039c21d817',
    expect: 'atlasprd',
  },
  {
    id: 'S2',
    mode: 'hash',
    map: S1,
    method: 'SCITOKENS',
    principal: 'https://atlas-auth.web.cern.ch,7dee38a3-6ab8-4fe2-9e4c-58039c21d817',
    expect: null,
  },
  {
    id: 'S3',
    mode: 'hash',
    map: 'SCITOKENS /^https:\\/\\/aai-dev.egi.eu\\/auth\\/realms\\/egi,.*/ PLUGIN:EGI\n',
    method: 'SCITOKENS',
    principal: 'https://aai-dev.egi.eu/auth/realms/egi,abc@egi.eu',
    expect: 'PLUGIN:EGI',
  },
  {
    id: 'S4',
    mode: 'hash',
    map: 'SCITOKENS /^https\\:\\/\\/scitokens\\.org\\/osg\\-connect,/ osg\n',
    method: 'SCITOKENS',
    principal: 'https://scitokens.org/osg-connect,anything',
    expect: 'osg',
  },
  {
    id: 'S5',
    mode: 'hash',
    map: 'SCITOKENS /^https\\:\\/\\/cilogon\\.org\\/gm2,gm2pilot\\@fnal\\.gov$/ gm2pilot\n',
    method: 'SCITOKENS',
    principal: 'https://cilogon.org/gm2,gm2pilot@fnal.gov.evil',
    expect: null,
  },
  {
    id: 'S6',
    mode: 'hash',
    map: 'SCITOKENS /^https:\\/\\/demo.scitokens.org,(.*)$/ \\1@demo\n',
    method: 'SCITOKENS',
    principal: 'https://demo.scitokens.org,alice',
    expect: 'alice@demo',
  },
  {
    id: 'S7',
    mode: 'hash',
    map: 'SCITOKENS /https:\\/\\/demo.scitokens.org,.*/ cetest\n',
    method: 'SCITOKENS',
    principal: 'https://demo.scitokens.org,htcondor-ce-dev',
    expect: 'cetest',
  },
  {
    id: 'S8a',
    mode: 'hash',
    map: 'SCITOKENS "https://literal.example,alice" alice_lit\n',
    method: 'SCITOKENS',
    principal: 'https://literal.example,alice',
    expect: 'alice_lit',
  },
  {
    id: 'S8b',
    mode: 'hash',
    map: 'SCITOKENS "https://literal.example,alice" alice_lit\n',
    method: 'SCITOKENS',
    principal: 'https://literal.example,alice2',
    expect: null,
  },
  {
    id: 'S9',
    mode: 'hash',
    map: 'SCITOKENS https://bare.example,bob bob_lit\n',
    method: 'SCITOKENS',
    principal: 'https://bare.example,bob',
    expect: 'bob_lit',
  },
  {
    id: 'S10',
    mode: 'hash',
    map: 'scitokens /^HTTPS:\\/\\/CaSe\\.example,/i caseless\n',
    method: 'SCITOKENS',
    principal: 'https://case.EXAMPLE,zz',
    expect: 'caseless',
  },
];

for (const v of vectors) {
  t.test(`${v.id}: ${v.principal} -> ${v.expect ?? 'no match'}`, async (t) => {
    const file = put(scratch(), 'mapfile', v.map);
    const args = [
      'lookup',
      '--mapfile',
      file,
      v.mode === 'hash' ? '--hash-keys' : '--regex-keys',
      '--method',
      v.method,
      v.principal,
    ];
    const r = await runBin(args);
    t.equal(r.stderr, '', 'no diagnostics');
    if (v.expect === null) {
      t.equal(r.code, 1, 'exit 1: no match');
      t.equal(r.stdout.length, 0, 'prints nothing');
    } else {
      t.equal(r.code, 0, 'exit 0: matched');
      t.equal(r.stdout.toString('latin1'), v.expect + '\n', 'canonical name and one newline');
    }
  });
}
