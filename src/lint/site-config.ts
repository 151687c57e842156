/**
 * The site configuration and everything it reaches: its own INI text (syntax, duplicates, unknown keys
 * and sections with "did you mean", values), then each rule source and each [plugin NAME] policy, then
 * the checks across files (shadowing, issuer spellings, ARC 6 reachability, a configuration with no rule).
 */
import { decode } from 'ini';
import { formatPos, TokenmapError } from '../errors.js';
import { DEFAULT_SAFE_PATTERN, DEFAULT_UID_DOMAIN } from '../config/config.js';
import { identityPolicy, type IdentityPolicy } from '../engine/identity.js';
import { readText } from '../io/read-text.js';
import { schema as configSchema, validate as validateConfig } from '../generated/config-validator.js';
import type { FileReader } from '../io/reader.js';
import { schemaProblems, type Validator } from '../schema-errors.js';
import { scanIni, type ScannedKey } from '../config/ini-scan.js';
import type { LintContext } from './context.js';
import { lintBanList } from './bans.js';
import { trailingSlashChecks } from './issuer.js';
import { lintMapfile, type LintedMap } from './mapfile.js';
import { lintPolicyPath, type PolicyFact } from './policy.js';
import type { LintPos, Report } from './problem.js';
import { arc6Checks, mapShadows, policyShadows, poolChecks } from './reachability.js';
import { didYouMean, knownNames } from './suggest.js';

type Doc = Record<string, Record<string, unknown>>;

const words = (v: unknown) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : []);
const yes = (v: unknown, dflt: boolean) =>
  v === undefined ? dflt : v === true || ['yes', 'on', '1', 'true'].includes(String(v));

function iniChecks(
  report: Report,
  file: string,
  text: string,
): { doc: Doc; keys: ScannedKey[]; rulesPos: LintPos; sectionPos: (name: string) => LintPos } {
  const scan = scanIni(text, file);
  for (const p of scan.problems)
    report(
      p.pos,
      'error',
      p.kind === 'syntax'
        ? 'INI_SYNTAX'
        : p.kind === 'duplicate-section'
          ? 'INI_DUPLICATE_SECTION'
          : 'INI_DUPLICATE_KEY',
      p.message,
    );
  const doc = decode(text) as Doc;
  for (const p of schemaProblems(validateConfig as Validator, doc, scan.positions, { file, line: 1 })) {
    const pos = { col: 1, ...p.pos } as LintPos;
    if (p.keyword !== 'additionalProperties') report(pos, 'error', 'INI_VALUE', p.message);
    else if (p.path.length === 1)
      report(
        pos,
        'error',
        'INI_UNKNOWN_SECTION',
        p.message + didYouMean(p.path[0] as string, [...knownNames(configSchema, []), 'plugin NAME']),
      );
    else
      report(
        pos,
        'error',
        'INI_UNKNOWN_KEY',
        p.message + didYouMean(p.path[p.path.length - 1] as string, knownNames(configSchema, p.path.slice(0, -1))),
      );
  }
  const sectionPos = (name: string) => scan.sections.find((s) => s.name === name)?.pos ?? { file, line: 1, col: 1 };
  return { doc, keys: scan.keys, rulesPos: sectionPos('rules'), sectionPos };
}

function identityOf(report: Report, doc: Doc, keys: ScannedKey[]): IdentityPolicy {
  try {
    return identityPolicy({
      pattern: (doc.identity?.safe_pattern as string | undefined) ?? DEFAULT_SAFE_PATTERN,
      deny: words(doc.identity?.deny),
      uidDomain: DEFAULT_UID_DOMAIN,
    });
  } catch (e) {
    const k = keys.find((x) => x.section === 'identity' && x.key === 'safe_pattern');
    if (k)
      report(
        { ...k.pos, col: k.valueCol },
        'error',
        'INI_VALUE',
        `safe_pattern is not a valid regular expression (${(e as Error).message})`,
      );
    return identityPolicy({
      pattern: DEFAULT_SAFE_PATTERN,
      deny: words(doc.identity?.deny),
      uidDomain: DEFAULT_UID_DOMAIN,
    });
  }
}

/** Each value of a key, with where it was written (`ini` keeps values in file order). */
function valuesOf(doc: Doc, keys: ScannedKey[], section: string, key: string): { value: string; pos: LintPos }[] {
  const v = doc[section]?.[key];
  const values = v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v];
  const where = keys.filter((k) => k.section === section && k.key === key);
  return values.map((value, i) => {
    const k = where[i] ?? where[0];
    return { value: String(value), pos: k ? { ...k.pos, col: k.valueCol } : { file: '', line: 1, col: 1 } };
  });
}

export function lintConfig(file: string, reader: FileReader, report: Report): void {
  const text = readText(reader, file, 'configuration', 'CONFIG_UNREADABLE');
  const { doc, keys, rulesPos, sectionPos } = iniChecks(report, file, text);
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const abs = (p: string) => (p.startsWith('/') ? p : dir + p);
  const pluginSections = Object.keys(doc).flatMap((name) => {
    const m = /^plugin (\S+)$/.exec(name);
    return m ? [{ section: name, name: (m[1] as string).toUpperCase() }] : [];
  });
  const htcondor = doc.htcondor ?? {};
  const ctx: LintContext = {
    report,
    reader,
    plugins: {
      names: new Set(pluginSections.map((p) => p.name)),
      pluginNames:
        typeof htcondor.plugin_names === 'string' ? htcondor.plugin_names.split(/[,\s]+/).filter(Boolean) : [],
    },
    identity: identityOf(report, doc, keys),
    hashKeys: yes(htcondor.hash_keys, true),
    issuers: [],
    pools: new Set(Object.keys(doc).flatMap((name) => /^pool (\S+)$/.exec(name)?.[1] ?? [])),
    poolRefs: [],
  };
  for (const { value, pos } of valuesOf(doc, keys, 'audience', 'missing_ok_issuers'))
    for (const issuer of words(value)) ctx.issuers.push({ issuer, pos, what: '[audience] missing_ok_issuers' });

  const maps: LintedMap[] = [];
  const direct: PolicyFact[][] = [];
  for (const { value, pos } of valuesOf(doc, keys, 'rules', 'source')) {
    const colon = value.indexOf(':');
    const kind = value.slice(0, colon);
    const path = abs(value.slice(colon + 1));
    if (kind === 'mapfile') {
      try {
        maps.push(lintMapfile(path, ctx, htcondor.exclude_regexp as string | undefined));
      } catch (e) {
        if (!(e instanceof TokenmapError)) throw e;
        report(pos, 'error', e.code === 'CONFIG_INVALID' ? 'INI_VALUE' : 'FILE_UNREADABLE', e.describe());
      }
    } else if (kind === 'policy') direct.push(lintPolicyPath(path, ctx, pos).facts);
  }
  for (const { value, pos } of valuesOf(doc, keys, 'bans', 'file')) lintBanList(abs(value), pos, reader, report);
  const viaPlugin = new Map<string, PolicyFact[]>();
  for (const p of pluginSections) {
    const facts = valuesOf(doc, keys, p.section, 'policy').flatMap(
      ({ value, pos }) => lintPolicyPath(abs(value), ctx, pos).facts,
    );
    viaPlugin.set(p.name, facts);
  }

  for (const m of maps) mapShadows(ctx, m);
  for (const facts of [...direct, ...viaPlugin.values()]) policyShadows(ctx, facts);
  trailingSlashChecks(ctx);
  poolChecks(ctx);
  const directRules = new Set(direct.flat().map((f) => f.rule));
  for (const [name, facts] of viaPlugin) {
    const line = maps.flatMap((m) => m.facts).find((f) => f.plugins?.includes(name));
    if (line) arc6Checks(ctx, facts, directRules, `the map file's PLUGIN:${name} line at ${formatPos(line.pos)}`);
    else if (facts.length)
      report(
        sectionPos(pluginSections.find((p) => p.name === name)?.section ?? ''),
        'warning',
        'PLUGIN_UNREACHABLE',
        (maps.length
          ? `no line of the rule sources' map files hands over to PLUGIN:${name}`
          : `only a map file's PLUGIN:${name} line reaches this section, and [rules] has no mapfile: source`) +
          `: its ${facts.length} rule(s) are never tried`,
      );
  }
  arc6AudienceCheck(report, doc, keys, rulesPos);
  const reachable = maps.reduce((n, m) => n + m.facts.length, 0) + direct.reduce((n, f) => n + f.length, 0);
  const anyValues = valuesOf(doc, keys, 'rules', 'source').length > 0;
  if (reachable === 0 && anyValues)
    report(
      rulesPos,
      'error',
      'RULES_NONE_REACHABLE',
      'the rule sources hold no rule at all: every token is declined (an empty map file, a policy directory of ' +
        '*.conf files?)',
    );
}

/**
 * ARC 6 passes only `%D`, so a site audience gate cannot be evaluated there: the callout refuses such
 * requests (AUDIENCE_UNCHECKABLE) unless `[audience] arc6_unchecked = yes` waives the gate. Either way an
 * admin should know before the first ARC 6 request does.
 */
function arc6AudienceCheck(report: Report, doc: Doc, keys: ScannedKey[], fallback: LintPos): void {
  const audience = doc.audience ?? {};
  const gate = words(audience.accept).length > 0 || yes(audience.wlcg_any, false) || yes(audience.scitokens_any, false);
  if (!gate) return;
  const waiver = valuesOf(doc, keys, 'audience', 'arc6_unchecked')[0];
  if (waiver && yes(audience.arc6_unchecked, false))
    return report(
      waiver.pos,
      'warning',
      'ARC6_AUDIENCE',
      'under ARC 6 (which passes only %D) the [audience] gate is not evaluated: a token minted for another ' +
        'service maps there; ARC 7 and HTCondor-CE still check it',
    );
  const accept = valuesOf(doc, keys, 'audience', 'accept')[0];
  report(
    accept?.pos ?? fallback,
    'warning',
    'ARC6_AUDIENCE',
    'ARC 6 passes only %D, so this [audience] gate cannot be evaluated there: every ARC 6 request is refused ' +
      '(AUDIENCE_UNCHECKABLE); set [audience] arc6_unchecked = yes to accept that, or run ARC 7',
  );
}
