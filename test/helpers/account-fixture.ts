/**
 * A local account database for tests ([identity] passwd, group, login_defs point at it), so that what
 * counts as a system account does not depend on the machine the tests run on.
 */
import { put } from './files.js';

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:2:2:daemon:/sbin:/sbin/nologin',
  'sync:x:5:0:sync:/sbin:/bin/sync',
  'svc:x:500:500:a service below SYS_UID_MAX:/:/sbin/nologin',
  'op:x:1500:0:primary group 0:/home/op:/bin/bash',
  'alice:x:1501:1501::/home/alice:/bin/bash',
  'atlasprd:x:1600:2000::/home/atlasprd:/bin/bash',
  '',
].join('\n');

export const GROUP = [
  'root:x:0:',
  'wheel:x:10:alice',
  'users:x:100:',
  'sysgrp:x:200:',
  'zerog:x:0:',
  'vo:x:2000:',
  '',
].join('\n');

/** Unusual ranges, so that a test sees they are read: system uids and gids up to 600. */
export const LOGIN_DEFS = '# login.defs\nUID_MIN   1000\nSYS_UID_MAX 600\nGID_MIN 1000\nSYS_GID_MAX\t600\n';

/** Names the fixture makes system accounts, and well-known ones issue 7 names. */
export const SYSTEM_NAMES = [
  'root',
  'daemon',
  'sync',
  'svc',
  'op',
  'bin',
  'shutdown',
  'halt',
  'operator',
  'adm',
  'nobody',
  'condor',
];
export const SYSTEM_GROUPS = ['root', 'wheel', 'sysgrp', 'zerog'];

/** Writes the fixture into `dir`; returns the `[identity]` lines that point at it. */
export function accountFixture(dir: string): string {
  put(dir, 'etc/passwd', PASSWD);
  put(dir, 'etc/group', GROUP);
  put(dir, 'etc/login.defs', LOGIN_DEFS);
  return `passwd = ${dir}/etc/passwd\ngroup = ${dir}/etc/group\nlogin_defs = ${dir}/etc/login.defs\n`;
}
