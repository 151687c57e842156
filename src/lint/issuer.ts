/** Issuers compare exactly, so a trailing slash written here and not there means one side never matches. */
import type { IssuerUse, LintContext } from './context.js';
import { formatLintPos } from './problem.js';

export function trailingSlashChecks(ctx: LintContext): void {
  const first = new Map<string, IssuerUse>();
  for (const use of ctx.issuers) {
    const bare = use.issuer.replace(/\/+$/, '');
    const seen = first.get(bare);
    if (!seen) first.set(bare, use);
    else if (seen.issuer !== use.issuer)
      ctx.report(
        use.pos,
        'warning',
        'ISSUER_TRAILING_SLASH',
        `issuer ${JSON.stringify(use.issuer)} here, but ${JSON.stringify(seen.issuer)} in the ${seen.what} at ` +
          `${formatLintPos(seen.pos)}: a trailing slash counts, so one of them never matches the token's iss (IAM ` +
          `issuers end in /, EGI Check-in's do not)`,
      );
  }
}
