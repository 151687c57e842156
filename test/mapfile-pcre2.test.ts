// PCRE2 semantics reproduced in JavaScript (shared/spec/htcondor-mapfile.md §9): translated constructs
// match what PCRE2 matches, PCRE2 errors drop the line, unsupported constructs stop the lookup (exit 2).
import t from 'tap';
import { lookupCases, type LookupCase } from './helpers/lookup-case.js';

const re = (pattern: string, principal: string, expect: LookupCase['expect'], stderr?: RegExp): LookupCase => ({
  name: `/${pattern}/ on ${JSON.stringify(principal)} -> ${expect === null ? 'no match' : expect === 2 ? 'exit 2' : JSON.stringify(expect)}`,
  map: `SCITOKENS /${pattern}/ ${expect === null || expect === 2 ? 'x' : expect}\n`,
  principal,
  expect,
  stderr,
});
const dropped = /warning: PCRE2 rejects regex .* HTCondor ignores this entry/;
const unsupported = (what: RegExp) =>
  new RegExp(`mapfile:1: unsupported PCRE2 construct .*${what.source}.* at offset \\d+`);

lookupCases(t, [
  // escapes that JavaScript rejects under u/v are literal bytes in PCRE2 (OSG generator style)
  re('^https\\:\\/\\/x\\-y\\@z\\,w\\=v\\#u\\%t\\ s$', 'https://x-y@z,w=v#u%t s', 'osg'),
  re('^a\\.b$', 'axb', null),
  // undefined letter escapes and \u: PCRE2 compile errors, HTCondor drops the line
  re('^a\\ib$', 'aib', null, dropped),
  re('^\\u0041$', 'A', null, dropped),
  re('^\\N{U+41}$', 'A', null, dropped),
  {
    name: 'a dropped line does not stop the file',
    map: 'SCITOKENS /^\\q/ no\nSCITOKENS /^q/ yes\n',
    principal: 'q',
    expect: 'yes',
    stderr: dropped,
  },
  // dot, \s, \h, \v, \d, \w: byte classes of the C locale
  re('^a.b$', 'a\rb', 'dot_cr'),
  re('^a.b$', 'a\nb', null),
  re('^a\\sb$', 'a\u00a0b', null),
  re('^a\\sb$', 'a\x0bb', 'vt_is_space'),
  re('^a\\hb$', 'a\tb', 'h_tab'),
  re('^a\\vb$', 'a\x0cb', 'v_ff'),
  re('^\\d+$', '0123456789', 'digits'),
  re('^\\w+$', 'A_z9', 'word'),
  re('^\\W$', '\u00e9', null),
  re('^\\N$', 'x', 'bigN'),
  re('^a\\bb', 'ab', null),
  re('a\\b', 'a-', 'boundary'),
  // anchors
  re('\\Aab', 'xab', null),
  re('\\Gab', 'ab', 'G_start'),
  re('ab\\Z', 'xab\n', 'Z_before_lf'),
  re('ab\\z', 'xab', 'z_end'),
  // byte escapes
  re('^\\x41\\x{42}\\103\\o{104}$', 'ABCD', 'hex_octal'),
  re('^a\\x{100}$', 'a', null, dropped),
  re('^\\cA$', '\x01', 'ctrl_a'),
  re('^\\e\\t$', '\x1b\t', 'esc_tab'),
  re('^a\\Q.*\\Eb$', 'a.*b', 'quoted'),
  re('^a\\Q.*\\Eb$', 'axxb', null),
  re('^a\\Eb$', 'ab', 'lone_E'),
  // classes
  re('^[]a]+$', ']a]', 'close_first'),
  re('^[^]a]$', 'b', 'neg_close_first'),
  re('^[[:alpha:]]+$', 'abcXYZ', 'posix_alpha'),
  re('^[[:^digit:]]$', '5', null),
  re('^[[:xdigit:]]+$', 'aF09', 'xdigit'),
  re('^[[:foo:]]$', 'a', null, dropped),
  re('^[[.a.]]$', 'a', null, dropped),
  re('^[\\d-z]$', 'z', null, dropped),
  re('^[z-a]$', 'z', null, dropped),
  re('^[:alpha:]$', 'a', null, dropped),
  re('^[a-c\\-]+$', 'a-c', 'range_dash'),
  re('^[\\w.]+$', 'a.b_c', 'class_escape'),
  re('^[\\Q]\\E]$', ']', 'quoted_in_class'),
  // caseless: ASCII only, through classes too
  re('^[a-c]+$', 'ABC', null),
  { name: '/i folds a range', map: 'SCITOKENS /^[a-c]+$/i ci\n', principal: 'AbC', expect: 'ci' },
  {
    name: '/i folds a POSIX class: [:upper:] matches lower case',
    map: 'SCITOKENS /^[[:upper:]]+$/i up\n',
    principal: 'abc',
    expect: 'up',
  },
  { name: '/i folds a negated class', map: 'SCITOKENS /^[^a]$/i neg\n', principal: 'A', expect: null },
  {
    name: '/i does not fold Latin-1 bytes',
    map: 'SCITOKENS /^caf\xc3\xa9$/i cafe\n',
    principal: 'CAF\u00c9',
    expect: null,
  },
  // inline options
  re('(a(?i)b|c)', 'C', 'inline_i_alt'),
  re('^a(?i)b$', 'aB', 'inline_i'),
  re('^a(?i)b$', 'AB', null),
  re('^(?i:a)b$', 'Ab', 'inline_group'),
  re('^(?i:a)b$', 'AB', null),
  re('^a(?-i)b$', 'AB', null),
  re('^(?s)a.b$', 'a\nb', 'dotall'),
  re('^(?U)(a+)', 'aaa', 'U_inline'),
  re('^(?#comment)a$', 'a', 'comment'),
  re('(?m)^a$', 'a', 2, unsupported(/inline option 'm'/)),
  re('(?x)a', 'a', 2, unsupported(/inline option 'x'/)),
  // groups and numbering
  {
    name: 'named groups are numbered',
    map: "SCITOKENS /^(?<v>a)(?P<w>b)(?'x'c)$/ \\3\\2\\1\n",
    principal: 'abc',
    expect: 'cba',
  },
  re('^(?<n>a)(?<n>b)$', 'ab', 2, unsupported(/duplicate group name 'n'/)),
  re('^a(?=b)', 'ab', 'lookahead'),
  re('^a(?!b)', 'ab', null),
  re('(?<=a)b', 'ab', 'lookbehind'),
  re('(?<=a|bc)d', 'bcd', 'lookbehind_alts'),
  re('(?<=a+)b', 'ab', 2, unsupported(/lookbehind that is not of fixed length/)),
  // quantifiers
  re('^a{2}$', 'aa', 'brace'),
  re('^a{2,}$', 'aaaa', 'brace_min'),
  re('^a{1,2}$', 'aaa', null),
  re('^a{b$', 'a{b', 'literal_brace'),
  re('^a{,2}$', 'a', 2, unsupported(/'\{,2\}' is a quantifier only from PCRE2 10.43 on/)),
  re('^a{3,1}$', 'a', null, dropped),
  re('^*a', 'a', 2, unsupported(/quantifier on an assertion/)),
  re('*a', 'a', null, dropped),
  re('^a++$', 'a', 2, unsupported(/possessive quantifier/)),
  re('^(?>a+)$', 'a', 2, unsupported(/atomic group/)),
  re('^(a)\\1$', 'aa', 2, unsupported(/back reference \\1/)),
  re('^\\k<n>$', 'a', 2, unsupported(/named back reference/)),
  re('^\\R$', '\n', 2, unsupported(/\\R/)),
  re('^\\p{L}$', 'a', 2, unsupported(/Unicode property/)),
  re('^(?|(a)|(b))$', 'a', 2, unsupported(/branch reset/)),
  re('^(?R)?$', 'a', 2, unsupported(/recursion/)),
  re('^(?(1)a|b)$', 'a', 2, unsupported(/conditional/)),
  re('(*UTF)a', 'a', 2, unsupported(/verb/)),
  {
    name: 'a capture in a repeated group is unsupported when the template uses it',
    map: 'SCITOKENS /^(?:(a)|b)+$/ \\1\n',
    principal: 'ab',
    expect: 2,
    stderr: /capturing group inside a repeated group/,
  },
  {
    name: 'a capture in a repeated group is fine when the template does not use it',
    map: 'SCITOKENS /^(?:(a)|b)+$/ rep\\0\n',
    principal: 'ab',
    expect: 'repab',
  },
  // unsupported entries stop only a scan that reaches them
  {
    name: 'an earlier match answers before an unsupported entry',
    map: 'SCITOKENS /^a/ early\nSCITOKENS /^a++/ late\n',
    principal: 'a',
    expect: 'early',
  },
  // ...but an anchored literal prefix the principal lacks already decides "no match", as it does in PCRE2
  {
    name: 'an unsupported entry whose anchored prefix cannot match is passed exactly',
    map: 'SCITOKENS /^https:\\/\\/x,a++/ no\nSCITOKENS /^https:\\/\\/y,/ y\n',
    principal: 'https://y,1',
    expect: 'y',
  },
  {
    name: 'an unsupported entry whose prefix matches stops the lookup',
    map: 'SCITOKENS /^https:\\/\\/x,a++/ no\nSCITOKENS /^https:\\/\\/x,/ x\n',
    principal: 'https://x,aa',
    expect: 2,
    stderr: /mapfile:1: unsupported PCRE2 construct possessive/,
  },
  {
    name: 'parse errors are compile errors at all',
    map: 'SCITOKENS /^(a$/ x\nSCITOKENS /^a)$/ y\nSCITOKENS /^a$/ z\n',
    principal: 'a',
    expect: 'z',
    stderr: dropped,
  },
  // byte model: UTF-8 principals are bytes
  {
    name: 'a non-ASCII character is two bytes for .',
    map: 'SCITOKENS /^caf.$/ one\nSCITOKENS /^caf..$/ two\n',
    principal: 'caf\u00e9',
    expect: 'two',
  },
  {
    name: 'a quantifier after a multi-byte character repeats its last byte',
    map: 'SCITOKENS /^\xc3\xa9+$/ rep\n',
    principal: '\u00e9',
    expect: 'rep',
  },
  {
    name: 'a capture of UTF-8 bytes is written back as the same bytes',
    map: 'SCITOKENS /^(.*),/ \\1\n',
    principal: '\u00e9t\u00e9,x',
    expect: '\xc3\xa9t\xc3\xa9',
  },
]);
