/**
 * Policy file checks: the configparser reading (syntax, duplicates, unknown keys with "did you mean"),
 * results (`deny = no` bans), scope paths, accounts, and the check-in-validator reading pitfalls. The
 * rules come from the same parser the engine uses, so `check` judges exactly what a callout evaluates.
 */
import { binaryFromText, textFromBinary } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import { readText } from '../io/read-text.js';
import { schema as policySchema } from '../generated/policy-validator.js';
import { parseIni, type IniSection } from '../policy/configparser.js';
import { parsePolicy, type PolicyRule } from '../policy/parse.js';
import { accountRefusal } from '../engine/identity.js';
import { isLintCode } from './codes.js';
import type { LintContext } from './context.js';
import { firstCol, type LintPos } from './problem.js';
import { didYouMean, knownNames } from './suggest.js';

export interface PolicyFact {
  rule: PolicyRule;
  pos: LintPos;
}

export interface LintedPolicies {
  path: string;
  files: string[];
  facts: PolicyFact[];
}

const OFF = new Set(['no', 'false', 'off', '0', 'none']);

/** A policy file, or a directory of `*.ini` policy files; `ref` is where the configuration names it. */
export function lintPolicyPath(path: string, ctx: LintContext, ref: LintPos | null): LintedPolicies {
  const out: LintedPolicies = { path, files: [], facts: [] };
  const where = ref ?? { file: path, line: 1, col: 1 };
  const bin = binaryFromText(path);
  let files: string[];
  const kind = ctx.reader.kind(bin);
  if (kind === 'dir') {
    files = ctx.reader
      .list(bin)
      .filter((n) => n.endsWith('.ini') && !n.startsWith('.'))
      .sort()
      .map((n) => (path.endsWith('/') ? path : path + '/') + textFromBinary(n));
    if (files.length === 0) {
      ctx.report(
        where,
        'error',
        'POLICY_DIR_EMPTY',
        `policy directory ${JSON.stringify(path)} holds no *.ini file: no rule of it is ever tried (other names, ` +
          `like *.conf, are not read)`,
      );
      return out;
    }
  } else files = [path];
  for (const file of files) {
    let text: string;
    try {
      text = readText(ctx.reader, file, 'policy file', 'POLICY_UNREADABLE');
    } catch (e) {
      if (!(e instanceof TokenmapError)) throw e;
      ctx.report(ref ?? { file, line: 1, col: 1 }, 'error', 'FILE_UNREADABLE', e.describe());
      continue;
    }
    out.files.push(file);
    out.facts.push(...lintPolicyText(file, text, ctx));
  }
  return out;
}

function sectionOf(sections: IniSection[], rule: PolicyRule): IniSection | undefined {
  const name = rule.kind === 'mapping' ? 'mappings' : `rule ${rule.name}`;
  return sections.find(
    (s) => s.name === name || (rule.kind === 'native' && s.name.replace(/\s+/, ' ').trim() === name),
  );
}

export function lintPolicyText(file: string, text: string, ctx: LintContext): PolicyFact[] {
  const lines = text.split(/\r\n|\n|\r/);
  const at = (line: number): LintPos => ({ file, line, col: line > 0 ? firstCol(lines[line - 1] ?? '') : 1 });
  const valueAt = (line: number, needle: string): LintPos => {
    const l = lines[line - 1] ?? '';
    const delim = l.search(/[=:]/);
    const i = l.indexOf(needle, delim + 1);
    return { file, line, col: i >= 0 ? i + 1 : firstCol(l) };
  };
  const parsed = parsePolicy(text, file);
  for (const p of parsed.problems) {
    let code = isLintCode(p.lint) ? p.lint : p.code === 'POLICY_SYNTAX' ? 'INI_SYNTAX' : 'INI_VALUE';
    let message = p.message;
    if ((code === 'INI_UNKNOWN_KEY' || code === 'INI_UNKNOWN_SECTION') && p.schemaPath) {
      const parent = p.schemaPath.slice(0, -1);
      const name = p.schemaPath[p.schemaPath.length - 1] as string;
      const known =
        code === 'INI_UNKNOWN_SECTION'
          ? ['mappings', 'logger', 'rule NAME', 'pool NAME']
          : knownNames(policySchema, parent);
      message += didYouMean(name, known);
    }
    ctx.report(at(p.pos.line), code === 'CIV_LOGGER' ? 'note' : p.severity, code, message);
  }
  const { sections } = parseIni(text, file);
  const civ = sections.some((s) => s.name === 'mappings');
  for (const s of sections)
    for (const e of s.entries) {
      const raw = (lines[e.pos.line - 1] ?? '').replace(/^[^=:]*[=:]\s*/, '');
      if (civ && raw.includes('%'))
        ctx.report(
          valueAt(e.pos.line, '%'),
          'warning',
          'CIV_PERCENT',
          `a % in ${JSON.stringify(e.rawKey)}: check-in-validator's configparser interpolates it (a lone % makes it ` +
            `crash, which is a decline); tokenmap reads %% as %, and any other % literally`,
        );
      const inline = /\s[;#]/.exec(raw);
      if (inline)
        ctx.report(
          valueAt(e.pos.line, raw.slice(inline.index + 1)),
          'warning',
          'CIV_INLINE_COMMENT',
          `${JSON.stringify(raw.slice(inline.index + 1, inline.index + 40))} is part of the value of ` +
            `${JSON.stringify(e.rawKey)}: configparser has no inline comments; put the comment on a line of its own`,
        );
    }
  const facts: PolicyFact[] = [];
  for (const name of parsed.pools.keys()) ctx.pools.add(name);
  for (const rule of parsed.rules) {
    const section = sectionOf(sections, rule);
    const entry = (k: string) => section?.entries.find((e) => e.key === k);
    const pos = at(rule.pos.line);
    facts.push({ rule, pos });
    const issuerEntry = rule.kind === 'mapping' ? section?.entries.find((e) => e.key === rule.name) : entry('issuer');
    if (rule.issuer && issuerEntry)
      ctx.issuers.push({ issuer: rule.issuer, pos: valueAt(issuerEntry.pos.line, rule.issuer), what: 'policy rule' });
    if (rule.kind === 'mapping') {
      const e = section?.entries.find((x) => x.key === rule.name);
      const problem = accountRefusal(rule.name, ctx.identity);
      if (problem && e) ctx.report(at(e.pos.line), 'error', 'ACCOUNT_UNSAFE', problem);
      continue;
    }
    if ('pool' in rule.result) ctx.poolRefs.push({ pool: rule.result.pool, pos, rule: rule.name });
    const deny = entry('deny');
    if (deny && OFF.has(deny.value.toLowerCase()))
      ctx.report(
        valueAt(deny.pos.line, deny.value),
        'error',
        'POLICY_DENY_VALUE',
        `deny = ${deny.value} does not switch the ban off: deny takes the reason of a ban, so this rule bans every ` +
          `token it matches; remove the line, or write account = NAME`,
      );
    for (const k of ['account', 'group'] as const) {
      const e = entry(k);
      const problem = e ? accountRefusal(e.value, ctx.identity, k) : null;
      if (e && problem) ctx.report(valueAt(e.pos.line, e.value), 'error', 'ACCOUNT_UNSAFE', `${k}: ${problem}`);
    }
  }
  return facts;
}
