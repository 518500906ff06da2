import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isHangupCause, type HangupCause } from '../esl/hangup-causes';
import type { PhoneBehaviour } from './types';

const afterMs = z.number().int().nonnegative().optional();
const cause = z.string().refine(isHangupCause, 'not a FreeSWITCH hangup cause').transform((c) => c as HangupCause);

const phoneSchema: z.ZodType<PhoneBehaviour> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('answer'),
    afterMs,
    ringing: z.boolean().optional(),
    dtmf: z.array(z.object({ afterMs: z.number().int().nonnegative(), digits: z.string().regex(/^[0-9*#A-D]+$/) })).optional(),
    hangupAfterMs: afterMs,
    faxTone: z.boolean().optional(),
    fax: z.object({ pages: z.number().int().min(1), durationMs: afterMs }).optional(),
    socketLost: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('busy'), afterMs }),
  z.object({ kind: z.literal('no-answer') }),
  z.object({ kind: z.literal('unallocated'), afterMs }),
  z.object({ kind: z.literal('congestion'), afterMs, cause: z.enum(['NORMAL_CIRCUIT_CONGESTION', 'NORMAL_TEMPORARY_FAILURE']).optional() }),
  z.object({ kind: z.literal('reject'), cause, afterMs }),
]);

const fileSchema = z.object({
  defaultPhone: phoneSchema.optional(),
  gateways: z.array(z.string().min(1)).optional(),
  // A list plays one behaviour per call, the last one repeating.
  phones: z.record(z.string(), z.union([phoneSchema, z.array(phoneSchema).min(1)])).default({}),
});

export type PhoneFile = z.infer<typeof fileSchema>;

/**
 * The simulator command's phone file:
 * `{ "defaultPhone": {…}, "gateways": ["carrier"], "phones": { "15550001": { "kind": "busy" }, "15550002": [{ "kind": "busy" }, { "kind": "answer" }] } }`.
 */
export function readPhoneFile(path: string): PhoneFile {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
