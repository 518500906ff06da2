import { randomInt } from 'node:crypto';

/** Six digits, uniformly from the CSPRNG: short enough to type from a text, one in a million to guess. */
export function newVerificationCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export const CODE_PATTERN = /^[0-9]{6}$/;

/** The code as the stored, listed and logged copy of its SMS shows it. */
export const MASKED_CODE = '******';

/** What the number receives. It names the number, not the account: the SMS may reach a stranger. */
export function verificationText(number: string, code: string, ttlMinutes: number): string {
  return `Your code to confirm ${number} for callback is ${code}. It expires in ${ttlMinutes} min. If you did not ask for it, ignore this message.`;
}
