// The map file grammar of shared/spec/htcondor-mapfile.md §3-§5, §7, §8, §10: each rule, one case at least.
import t from 'tap';
import { lookupCases } from './helpers/lookup-case.js';

lookupCases(t, [
  // §4 escapes inside quoted fields
  { name: 'quoted \\" is a quote', map: 'SCITOKENS "a\\"b" x\n', principal: 'a"b', expect: 'x' },
  { name: 'quoted \\\\ is one backslash', map: 'SCITOKENS "a\\\\b" x\n', principal: 'a\\b', expect: 'x' },
  { name: 'quoted \\/ keeps both bytes', map: 'SCITOKENS "a\\/b" x\n', principal: 'a\\/b', expect: 'x' },
  { name: 'quoted \\/ is not a slash', map: 'SCITOKENS "a\\/b" x\n', principal: 'a/b', expect: null },
  { name: 'quoted \\. keeps both bytes', map: 'SCITOKENS "a\\.b" x\n', principal: 'a\\.b', expect: 'x' },
  { name: 'quoted field may hold spaces', map: 'SCITOKENS "a b" "x y"\n', principal: 'a b', expect: 'x y' },
  // §4 escapes inside slash fields
  { name: 'slash \\/ is a slash', map: 'SCITOKENS /^a\\/b$/ x\n', principal: 'a/b', expect: 'x' },
  { name: 'slash \\" keeps both bytes (a literal quote in PCRE2)', map: 'SCITOKENS /^a\\"b$/ x\n', principal: 'a"b', expect: 'x' },
  { name: 'slash \\\\ is one backslash (so \\\\. is a literal dot)', map: 'SCITOKENS /^a\\\\.b$/ x\n', principal: 'a.b', expect: 'x' },
  { name: 'slash \\\\. does not match any byte', map: 'SCITOKENS /^a\\\\.b$/ x\n', principal: 'axb', expect: null },
  { name: 'a bare / inside [...] ends the slash field', map: 'SCITOKENS /^a[/]b$/ x\n', principal: 'a/b', expect: null, stderr: /PCRE2 rejects regex "\^a\[".*ignores this entry/ },
  { name: '[\\/] is how a class holds a slash', map: 'SCITOKENS /^a[\\/]b$/ x\n', principal: 'a/b', expect: 'x' },
  // bare fields do no escape processing; the template keeps a backslash pair together
  { name: 'bare canonical keeps \\\\ as two bytes', map: 'SCITOKENS /^a$/ u\\\\v\n', principal: 'a', expect: 'u\\\\v' },
  { name: 'bare canonical \\\\1 is not a substitution', map: 'SCITOKENS /^(a)$/ u\\\\1\n', principal: 'a', expect: 'u\\\\1' },
  // §3 line model
  { name: 'fields after the third are ignored', map: 'SCITOKENS /^a$/ user # note\n', principal: 'a', expect: 'user' },
  { name: 'no inline comments: #user is the name', map: 'SCITOKENS /^a$/ #user\n', principal: 'a', expect: '#user' },
  { name: 'comment after leading blanks', map: '   \t# SCITOKENS /^a$/ no\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes' },
  { name: 'blank lines and an empty quoted method are skipped silently', map: '\n\n   \n"" /^a$/ no\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes' },
  { name: 'a line with only two fields is skipped with a warning', map: 'SCITOKENS /^a$/\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes', stderr: /mapfile:1: warning: Error parsing line/ },
  { name: 'an empty quoted principal is rejected', map: 'SCITOKENS "" no\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes', stderr: /mapfile:1: warning/ },
  { name: 'CRLF: the CR sticks to the canonical name', map: 'SCITOKENS /^a$/ user\r\n', principal: 'a', expect: 'user\r' },
  { name: 'a line holding only CR is a parse error', map: '\r\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes', stderr: /mapfile:1: warning: Error parsing line \(Method="\\r"\)/ },
  { name: 'no line continuation: a trailing backslash field is just ignored', map: 'SCITOKENS /^a$/ x \\\nb\n', principal: 'a', expect: 'x', stderr: /mapfile:2: warning/ },
  { name: 'the last line may lack its LF', map: 'SCITOKENS /^a$/ last', principal: 'a', expect: 'last' },
  { name: 'a UTF-8 BOM becomes part of the first method', map: '\xef\xbb\xbfSCITOKENS /^a$/ bom\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes' },
  // §4.4 unterminated fields
  { name: 'unterminated quoted canonical keeps its LF', map: 'SCITOKENS /^a$/ "user\n', principal: 'a', expect: 'user\n' },
  { name: 'unterminated quoted principal: the line is rejected', map: 'SCITOKENS "abc x\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes', stderr: /mapfile:1: warning/ },
  { name: 'unterminated slash principal: the line is rejected', map: 'SCITOKENS /^a$ x\nSCITOKENS /^a$/ yes\n', principal: 'a', expect: 'yes', stderr: /mapfile:1: warning/ },
  { name: 'quoted \\ + LF keeps both bytes and leaves the field open', map: 'SCITOKENS /^a$/ "u\\\n', principal: 'a', expect: 'u\\\n' },
  { name: 'backslash as the last byte of the file inside quotes: refused', map: 'SCITOKENS /^a$/ yes\nSCITOKENS /^b$/ "u\\', principal: 'a', expect: 'yes', stderr: /mapfile:2: warning/ },
  // §4.5 slash-field flags
  { name: 'unknown letter after / becomes the canonical name (m)', map: 'SCITOKENS /^a,/m bob\n', principal: 'a,x', expect: 'm' },
  { name: 'capital I is not a flag (Ix)', map: 'SCITOKENS /^a,/Ix bob\n', principal: 'a,x', expect: 'Ix' },
  { name: '/item: i is eaten (caseless), tem is the name', map: 'SCITOKENS /^A,/item bob\n', principal: 'a,x', expect: 'tem' },
  { name: '/Ubob: U is eaten, bob is the name', map: 'SCITOKENS /^a/Ubob\n', principal: 'a', expect: 'bob' },
  { name: 'U makes greedy quantifiers lazy', map: 'SCITOKENS /^(a+)/U \\1\n', principal: 'aaa', expect: 'a' },
  { name: 'U makes lazy quantifiers greedy', map: 'SCITOKENS /^(a+?)/U \\1\n', principal: 'aaa', expect: 'aaa' },
  { name: 'i is ASCII-only', map: 'SCITOKENS /^ABC$/i x\n', principal: 'abc', expect: 'x' },
  // §5 methods
  { name: 'methods compare case-insensitively', map: 'SciTokens /^a$/ x\n', principal: 'a', method: 'scitokens', expect: 'x' },
  { name: 'other methods do not match', map: 'SSL /^a$/ x\n', principal: 'a', expect: null },
  { name: 'any method name is accepted', map: 'MYMETHOD /^a$/ x\n', principal: 'a', method: 'mymethod', expect: 'x' },
  // §7 literal or regex
  { name: 'regex-keys: a leading / is regex text, so /.../ never matches', map: 'SCITOKENS /^a$/ x\n', principal: 'a', regexKeys: true, expect: null },
  { name: 'regex-keys: a quoted principal is a regex', map: 'SCITOKENS "^a.c$" x\n', principal: 'abc', regexKeys: true, expect: 'x' },
  { name: 'regex-keys: a bare principal is an unanchored regex', map: 'SCITOKENS b x\n', principal: 'abc', regexKeys: true, expect: 'x' },
  { name: 'regex-keys: no flags after /', map: 'SCITOKENS a/i x\n', principal: 'a/i', regexKeys: true, expect: 'x' },
  { name: 'hash-keys: a bare principal is literal', map: 'SCITOKENS a.c x\n', principal: 'abc', expect: null },
  { name: 'hash-keys: literal equality is exact', map: 'SCITOKENS a.c x\n', principal: 'a.c', expect: 'x' },
  { name: 'hash-keys: literal is case-sensitive', map: 'SCITOKENS abc x\n', principal: 'ABC', expect: null },
  // §8 order
  { name: 'first matching line wins', map: 'SCITOKENS /^a/ first\nSCITOKENS /^a/ second\n', principal: 'ab', expect: 'first' },
  { name: 'duplicate literal keys: the first wins', map: 'SCITOKENS k first\nSCITOKENS k second\n', principal: 'k', expect: 'first' },
  { name: 'a regex before a literal wins', map: 'SCITOKENS /^k$/ regex\nSCITOKENS k literal\n', principal: 'k', expect: 'regex' },
  { name: 'a literal before a regex wins', map: 'SCITOKENS k literal\nSCITOKENS /^k$/ regex\n', principal: 'k', expect: 'literal' },
  { name: 'methods interleave in one file order', map: 'SSL /^k$/ ssl\nSCITOKENS /^q$/ q\nscitokens /^k$/ tok\n', principal: 'k', expect: 'tok' },
  // §10 substitution
  { name: '\\0 is the matched substring, not the principal', map: 'SCITOKENS /b+/ \\0\n', principal: 'abbbc', expect: 'bbb' },
  { name: 'a group above the highest that took part stays literal', map: 'SCITOKENS /^(a)|(b)$/ [\\1][\\2]\n', principal: 'a', expect: '[a][\\2]' },
  { name: 'a non-participating group below the highest is empty', map: 'SCITOKENS /^(a)|(b)$/ [\\1][\\2]\n', principal: 'b', expect: '[][b]' },
  { name: 'a group that does not exist stays literal', map: 'SCITOKENS /^(a)$/ \\5x\n', principal: 'a', expect: '\\5x' },
  { name: '\\10 is group 1 then 0', map: 'SCITOKENS /^(a)$/ \\10\n', principal: 'a', expect: 'a0' },
  { name: '$1 and ${1} are not special', map: 'SCITOKENS /^(a)$/ $1${1}\n', principal: 'a', expect: '$1${1}' },
  { name: 'backslash + non-digit is copied', map: 'SCITOKENS /^(a)$/ x\\y\n', principal: 'a', expect: 'x\\y' },
  { name: 'literal match: \\0 is the principal, \\1 stays literal', map: 'SCITOKENS lit \\0-\\1\n', principal: 'lit', expect: 'lit-\\1' },
  { name: 'quoted "\\1@x" keeps \\1 for substitution', map: 'SCITOKENS /^(a)$/ "\\1@x"\n', principal: 'a', expect: 'a@x' },
  { name: 'quoted "\\\\1" becomes \\1, then substitutes', map: 'SCITOKENS /^(a)$/ "\\\\1"\n', principal: 'a', expect: 'a' },
  { name: 'empty matches count', map: 'SCITOKENS /x?/ empty\\0\n', principal: 'abc', expect: 'empty' },
  { name: 'a lone trailing backslash in the template is an error when used', map: 'SCITOKENS /^a$/ "x\\\\"\n', principal: 'a', expect: 2, stderr: /mapfile:1: canonical name "x\\\\" ends in a lone backslash/ },
  { name: 'an earlier match hides a broken template', map: 'SCITOKENS /^a$/ ok\nSCITOKENS /^a$/ "x\\\\"\n', principal: 'a', expect: 'ok' },
  // §9.1 $ and newlines
  { name: '$ matches before a final LF', map: 'SCITOKENS /^a$/ x\n', principal: 'a\n', expect: 'x' },
  { name: '\\z does not match before a final LF', map: 'SCITOKENS /^a\\z/ x\n', principal: 'a\n', expect: null },
  { name: '$ does not match before an inner LF', map: 'SCITOKENS /^a$/ x\n', principal: 'a\nb', expect: null },
]);
