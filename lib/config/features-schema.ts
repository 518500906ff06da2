import { z } from 'zod';
import { DEFAULT_CODES, FEATURES, validateCodes, type CodeDefinition, type FeatureName } from '../features/codes';
import { setting } from './setting-meta';

const CODES_ALLOWED = `space-separated feature=keys pairs; features: ${FEATURES.join(', ')}; keys: 0-9 * # and the placeholders D (one digit) and N (a number ending in * or #)`;

/** The code table as the setting is written (`consult=##N# …`). */
export function renderCodes(codes: readonly CodeDefinition[]): string {
  return codes.map((code) => `${code.feature}=${code.keys}`).join(' ');
}

const isFeature = (value: string): value is FeatureName => (FEATURES as readonly string[]).includes(value);

/** `consult=##N# new_number=** …` → the code table, or the reason it cannot be one. */
export function parseCodeTable(text: string): CodeDefinition[] | string {
  const codes: CodeDefinition[] = [];
  for (const pair of text.trim().split(/\s+/).filter(Boolean)) {
    const [feature, keys, extra] = pair.split('=');
    if (feature === undefined || keys === undefined || extra !== undefined || keys === '') return `"${pair}" is not feature=keys`;
    if (!isFeature(feature)) return `"${feature}" is not an in-call feature (${FEATURES.join(', ')})`;
    codes.push({ feature, keys });
  }
  if (codes.length === 0) return 'expected at least one code';
  try {
    validateCodes(codes);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return codes;
}

const codeTable = z.string().transform((text, ctx) => {
  const codes = parseCodeTable(text);
  if (typeof codes === 'string') {
    ctx.addIssue({ code: 'custom', message: codes });
    return z.NEVER;
  }
  return codes;
});

const prompt = z.string().regex(/^[A-Za-z0-9_./-]+$/, 'a prompt name is letters, digits, _ . / -').refine((name) => !name.split('/').includes('..'), 'a prompt name may not contain ..');

/* D1–D8: the keypad codes A may use while talking, and what they say. */
export const featuresSchema = z
  .strictObject({
    codes: setting(codeTable.default(() => [...DEFAULT_CODES]), 'In-call DTMF codes of leg A (D1–D8).', {
      allowed: CODES_ALLOWED,
      defaultText: `\`"${renderCodes(DEFAULT_CODES)}"\``,
    }),
    interDigitMs: setting(z.number().int().min(200).max(10_000).default(1_500), 'How long to wait for the next key before a code that is also the start of a longer one (`#1` of `#11`) is taken.'),
    redialConfirmPrompt: setting(prompt.default('callback/redial_scheduled'), 'D3: what A hears before the call ends when `#m` scheduled the same pair again.'),
    faxPrompt: setting(prompt.default('callback/fax_receiving'), 'D5: what A hears before being released when `*1` hands B to fax reception.'),
    consultHoldMusic: setting(
      z
        .string()
        .regex(/^[A-Za-z0-9_.:/+-]+$/, 'a sound file path or stream URL of letters, digits and _ . : / + -')
        .optional(),
      'D1: what B hears while A consults a third party (`uuid_broadcast`: a file, or e.g. `local_stream://moh`); unset: silence.',
      { allowed: 'a sound file path or stream URL without spaces or quotes' },
    ),
    conferenceProfile: setting(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('default'),
      'D6: the mod_conference profile of three-way calls (conference.conf.xml).',
      { allowed: 'a profile name of letters, digits, _ and -' },
    ),
  })
  .prefault({});

export type FeaturesSettings = z.infer<typeof featuresSchema>;
