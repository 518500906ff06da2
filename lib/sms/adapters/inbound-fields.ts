import { z } from 'zod';

/** One inbound SMS as any gateway adapter hands it over, before it is stored. */
export interface InboundFields {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly id: string;
}

// Limits are the store's column sizes, checked here so that the gateway gets a 400 naming the field.
const address = (name: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be text`) })
    .trim()
    .min(1, `${name} is empty`)
    .max(32, `${name} is longer than 32 characters`);

const schema = z.object({
  from: address('from'),
  to: address('to'),
  text: z.string({ error: (issue) => (issue.input === undefined ? 'text is required' : 'text must be text') }).max(2000, 'text is longer than 2000 characters'),
  id: z
    .union([z.string(), z.number().int().nonnegative()], { error: (issue) => (issue.input === undefined ? 'id is required' : 'id must be text or a whole number') })
    .transform((value) => String(value).trim())
    .pipe(z.string().min(1, 'id is empty').max(128, 'id is longer than 128 characters')),
});

export type FieldsResult = { readonly ok: true; readonly fields: InboundFields } | { readonly ok: false; readonly field: string; readonly message: string };

export function readInboundFields(candidate: Record<string, unknown>): FieldsResult {
  const parsed = schema.safeParse(candidate);
  if (parsed.success) return { ok: true, fields: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, field: String(issue?.path[0] ?? 'body'), message: issue?.message ?? 'invalid body' };
}
