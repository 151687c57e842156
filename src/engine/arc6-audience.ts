/**
 * ARC 6 hands a plugin nothing but `%D` (`<iss>/<sub>`): a site `[audience]` gate cannot be evaluated for
 * its requests. tokenmap then refuses rather than skip a configured check, unless the site says, with
 * `[audience] arc6_unchecked = yes`, that it accepts ARC 6 tokens whatever their audience.
 */

export function arc6AudienceRefusal(config: string): string {
  return (
    `${config}: [audience] is configured, but ARC 6 passes only <iss>/<sub> (%D), so the site audience policy ` +
    'cannot be checked: refused (set [audience] arc6_unchecked = yes to map ARC 6 tokens without it)'
  );
}

export function arc6AudienceNote(config: string, unchecked: boolean): string {
  return unchecked
    ? `${config}: under ARC 6 (only %D) tokens map without the site audience policy: [audience] arc6_unchecked = yes`
    : `${config}: under ARC 6 (only %D) the site audience policy cannot be checked, so arc-plugin refuses every ` +
        'ARC 6 request ([audience] arc6_unchecked = yes accepts them unchecked); ARC 7 passes the audience';
}
