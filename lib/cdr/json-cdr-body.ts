import { z } from 'zod';
import { parseHangupCause, type HangupCause } from '../esl/hangup-causes';

/**
 * mod_json_cdr's POST (src/mod/event_handlers/mod_json_cdr/mod_json_cdr.c), by its `encode` param:
 * - `false`: the JSON as the body, `Content-Type: application/json` (what freeswitch-conf uses);
 * - `true`: `cdr=<URL-encoded JSON>`, `application/x-www-form-urlencoded`;
 * - `base64`: `cdr=<base64 JSON>`, `application/x-www-form-base64-encoded` (unescaped `+`, `/`, `=`).
 * The URL gets `?uuid=<leg uuid>` appended. Every value in `variables` is a string.
 */
export const JSON_CDR_CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'application/x-www-form-base64-encoded'] as const;

/** What FreeSWITCH says about one leg's end, in our units (epoch ms, whole seconds). */
export interface ReportedCdr {
  readonly legUuid: string;
  /** The posting switch (`switchname`). */
  readonly node: string | null;
  /** Our `callback_request_id` variable: set on every leg we originate. */
  readonly requestId: string | null;
  readonly startedAt: number | null;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  readonly billsec: number;
  readonly hangupCause: HangupCause;
  readonly raw: Record<string, unknown>;
}

export type BodyReading = { readonly ok: true; readonly cdr: ReportedCdr } | { readonly ok: false; readonly problem: string };

const digits = (what: string, most: number) => z.string().regex(new RegExp(`^\\d{1,${most}}$`), `expected ${what} as a string of digits`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const cdrSchema = z.looseObject({
  switchname: z.string().max(64).optional(),
  variables: z.looseObject({
    uuid: z.string().regex(UUID, 'expected the leg uuid'),
    callback_request_id: z.string().regex(UUID, 'expected a request uuid').optional(),
    hangup_cause: z.string().refine((value) => parseHangupCause(value) !== undefined, 'expected a FreeSWITCH hangup cause'),
    // At most 9 digits (30 years of talk) and 16 for µs (the year 2286): every value stays exact and fits its column.
    billsec: digits('whole seconds', 9),
    start_uepoch: digits('microseconds since the epoch', 16).optional(),
    answer_uepoch: digits('microseconds since the epoch', 16).optional(),
    end_uepoch: digits('microseconds since the epoch', 16),
  }),
});

/** Reads a posted body (the raw bytes, before any parser) into a CDR, or says precisely what is wrong with it. */
export function readJsonCdrBody(contentType: string | undefined, body: Buffer, queryUuid: string | undefined): BodyReading {
  const json = decode(mediaType(contentType), body.toString('utf8'));
  if (!json.ok) return json;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.text);
  } catch (error) {
    return { ok: false, problem: `the CDR is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = cdrSchema.safeParse(parsed);
  if (!result.success) return { ok: false, problem: `not a mod_json_cdr CDR: ${issues(result.error)}` };
  const { switchname, variables } = result.data;
  if (queryUuid !== undefined && queryUuid.toLowerCase() !== variables.uuid.toLowerCase()) {
    return { ok: false, problem: `the URL names leg ${queryUuid} but the CDR is for leg ${variables.uuid}` };
  }
  return {
    ok: true,
    cdr: {
      legUuid: variables.uuid.toLowerCase(),
      node: switchname ?? null,
      requestId: variables.callback_request_id?.toLowerCase() ?? null,
      startedAt: epochMs(variables.start_uepoch),
      answeredAt: epochMs(variables.answer_uepoch),
      endedAt: epochMs(variables.end_uepoch) ?? 0,
      billsec: Number(variables.billsec),
      hangupCause: parseHangupCause(variables.hangup_cause) ?? 'NORMAL_UNSPECIFIED',
      raw: result.data,
    },
  };
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function decode(type: string, text: string): { ok: true; text: string } | { ok: false; problem: string } {
  switch (type) {
    case 'application/json':
      return { ok: true, text };
    case 'application/x-www-form-urlencoded': {
      const cdr = new URLSearchParams(text).get('cdr');
      return cdr === null ? { ok: false, problem: 'the form has no cdr field' } : { ok: true, text: cdr };
    }
    case 'application/x-www-form-base64-encoded': {
      // Not a real form: the base64 is not URL-escaped, so `+` must not become a space.
      if (!text.startsWith('cdr=')) return { ok: false, problem: 'the body does not start with cdr=' };
      const encoded = text.slice(4).trim();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return { ok: false, problem: 'the cdr field is not base64' };
      return { ok: true, text: Buffer.from(encoded, 'base64').toString('utf8') };
    }
    default:
      return { ok: false, problem: `unsupported Content-Type ${JSON.stringify(type)}; expected one of ${JSON_CDR_CONTENT_TYPES.join(', ')}` };
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');
}

/** µs as FreeSWITCH writes them; "0" means "never" (e.g. no answer). */
function epochMs(micros: string | undefined): number | null {
  if (micros === undefined) return null;
  const ms = Math.floor(Number(micros) / 1000);
  return ms > 0 ? ms : null;
}
