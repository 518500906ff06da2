import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Callback-Signature';

/** `t=<epoch ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so a captured call cannot be replayed later. */
export function sign(secret: string, body: string, at: number): string {
  const mac = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
  return `t=${at},v1=${mac}`;
}

/** For receivers (and tests): whether `header` signs `body` with `secret`, made within `toleranceMs` of `now`. */
export function verifySignature(secret: string, header: string, body: string, now: number, toleranceMs = 5 * 60_000): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const at = Number(match[1]);
  if (Math.abs(now - at) > toleranceMs) return false;
  const expected = Buffer.from(sign(secret, body, at).split('v1=')[1] ?? '', 'hex');
  const actual = Buffer.from(match[2] ?? '', 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
