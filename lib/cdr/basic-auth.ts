import { createHash, timingSafeEqual } from 'node:crypto';

/** The user name in mod_json_cdr's `cred` ("user:password"); the password is `security.cdrSecret`. */
export const CDR_USER = 'freeswitch';

/**
 * Whether an Authorization header carries HTTP basic credentials equal to `user:password`.
 * Both sides are hashed first, so the comparison takes the same time whatever the lengths and
 * wherever the first difference lies.
 */
export function basicCredentialsMatch(header: string | undefined, user: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const given = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  return timingSafeEqual(digest(given), digest(Buffer.from(`${user}:${password}`, 'utf8')));
}

/** The header a client sends for `user:password` (the simulator, tests). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function digest(value: Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}
