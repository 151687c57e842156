/**
 * Trust anchors for key fetches: Node's root store plus an optional CA file or directory (`[tokens] ca`).
 * A directory is read the way OpenSSL's CApath is laid out, e.g. the IGTF bundle in
 * /etc/grid-security/certificates: certificates in `<hash>.<n>` files (and `*.pem`, `*.crt`); CRLs
 * (`<hash>.r<n>`), signing policies and namespace files are not certificates and are skipped.
 */
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { systemErrorText, TokenmapError } from '../errors.js';
import type { KeyFiles } from './key-files.js';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CERT_FILE = /\.(\d+|pem|crt)$/;

function certificates(text: string): string[] {
  return text.match(PEM) ?? [];
}

/** undefined when no extra CA is configured: Node's default store (which honours NODE_EXTRA_CA_CERTS). */
export function trustAnchors(ca: string | undefined, files: KeyFiles): string[] | undefined {
  if (ca === undefined) return undefined;
  const extra: string[] = [];
  const unreadable = (e: unknown) =>
    new TokenmapError('CONFIG_INVALID', `[tokens] ca: cannot read ${ca} (${systemErrorText(e)})`, {
      file: ca,
      line: 0,
    });
  try {
    const names = files.list(ca); // null for a file
    if (names === null) {
      const bytes = files.read(ca);
      if (bytes === null) throw Object.assign(new Error('no such file or directory'), { code: 'ENOENT' });
      extra.push(...certificates(bytes.toString('latin1')));
    } else
      for (const n of names.filter((x) => CERT_FILE.test(x)))
        extra.push(...certificates((files.read(join(ca, n)) ?? Buffer.alloc(0)).toString('latin1')));
  } catch (e) {
    throw unreadable(e);
  }
  if (extra.length === 0)
    throw new TokenmapError('CONFIG_INVALID', `[tokens] ca: no PEM certificate in ${ca}`, { file: ca, line: 0 });
  return [...new Set([...rootCertificates, ...extra])];
}
