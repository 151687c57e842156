/**
 * An independent statement of what an emitted identity may be (callout-protocols.md §3.9, §4.11; issue 7
 * points 1-3), written from the specification, not from src/engine/identity.ts, so that the fuzz suite
 * checks the engine rather than restating it. null when the stdout of a successful callout is acceptable.
 */
export function identityBreach(ce: 'htcondor' | 'arc', stdout: string): string | null {
  if (ce === 'htcondor') {
    if (!stdout.endsWith('\n') || stdout.indexOf('\n') !== stdout.length - 1) return 'not one line';
    const id = stdout.slice(0, -1);
    if (id === '' || /[,\s]/.test(id) || id.startsWith('PLUGIN:')) return `unusable identity ${JSON.stringify(id)}`;
    return null;
  }
  if (Buffer.byteLength(stdout, 'latin1') > 512) return 'over 512 bytes';
  const [user, group, ...rest] = stdout.split(':');
  if (rest.length || user === undefined || user === '' || user.startsWith('*') || user === 'root' || /\s/.test(stdout))
    return `unusable identity ${JSON.stringify(stdout)}`;
  if (group === '') return 'empty group';
  return null;
}
