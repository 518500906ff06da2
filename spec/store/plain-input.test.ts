import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MONEY_MAX_MINOR } from '../../lib/domain/money';
import { REQUEST_INPUT_CHECKS } from '../../lib/store/callback-requests';
import { CDR_INPUT_CHECKS } from '../../lib/store/cdrs';
import { LEG_INPUT_CHECKS } from '../../lib/store/legs';
import { isJsonObject, isPlainRecord } from '../../lib/store/plain-input';

/**
 * A plain check (lib/store/plain-input.ts) must never take what its zod schema refuses, and must
 * answer what the schema answers; it may leave anything to zod. Compared on inputs that are valid
 * as the engine writes them, and on the same inputs with one field replaced by anything (an edge
 * value, a wrong type, undefined, null) or an unknown key added.
 */

const CHECKS = [...LEG_INPUT_CHECKS, ...CDR_INPUT_CHECKS, ...REQUEST_INPUT_CHECKS];

/** Values at every field's limits, of every type, and the values some field allows: drawn most often. */
const edgeValue = fc.constantFrom<unknown>(
  undefined,
  null,
  0,
  -1,
  1,
  1.5,
  NaN,
  Infinity,
  2 ** 53,
  -(2 ** 53),
  MONEY_MAX_MINOR,
  MONEY_MAX_MINOR + 1,
  -MONEY_MAX_MINOR,
  -MONEY_MAX_MINOR - 1,
  10n,
  true,
  [],
  ...[0, 1, 15, 16, 17, 20, 21, 22, 31, 32, 33, 63, 64, 65].map((length) => 'x'.repeat(length)),
  ...[1, 20, 21].map((length) => '1'.repeat(length)),
  ...[1, 19, 20, 21].map((length) => `+${'1'.repeat(length)}`),
  'A',
  'B',
  'C',
  'D',
  'a',
  'socket',
  'json_cdr',
  'USD',
  'usd',
  'XXX',
  '44',
  'ext:100',
  'ext:',
  '100@pbx',
  '__proto__',
  'queued',
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-0000-0000-00000000000g',
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: edgeValue, weight: 12 },
  fc.uuid(),
  fc.string({ maxLength: 70 }),
  fc.stringMatching(/^\+?[0-9]{1,22}$/),
  fc.integer(),
  fc.double(),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }),
  fc.constant(JSON.parse('{"__proto__": 1, "a": 2}') as unknown),
  fc.constant(Object.create(null) as unknown),
  fc.anything(),
);

const epochMs = fc.integer({ min: 0, max: 4_000_000_000_000 });
const minor = fc.integer({ min: -MONEY_MAX_MINOR, max: MONEY_MAX_MINOR });
const number = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);

/** Inputs as the engine writes them (fields it leaves out included). */
const VALID: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  leg: fc.record(
    {
      uuid: fc.uuid(),
      requestId: fc.uuid(),
      role: fc.constantFrom('A', 'B', 'C'),
      attempt: fc.integer({ min: 1, max: 9 }),
      node: fc.option(fc.string({ maxLength: 64 })),
      number,
      callerId: fc.option(number),
      state: fc.constantFrom('queued', 'dialing'),
      reservedMinor: fc.option(minor),
      carrierId: fc.option(fc.integer({ min: 1, max: 99 })),
    },
    { requiredKeys: ['uuid', 'requestId', 'role', 'number'], noNullPrototype: true },
  ),
  'leg change': fc.record(
    {
      node: fc.option(fc.string({ maxLength: 64 })),
      callerId: fc.option(number),
      state: fc.constantFrom('ringing', 'answered', 'bridged', 'completed'),
      answeredAt: fc.option(epochMs),
      endedAt: fc.option(epochMs),
      hangupCause: fc.option(fc.constantFrom('NORMAL_CLEARING', 'USER_BUSY')),
      billsec: fc.option(fc.integer({ min: 0, max: 7200 })),
      costMinor: fc.option(minor),
      reservedMinor: fc.option(minor),
      carrierId: fc.option(fc.integer({ min: 1, max: 99 })),
      carrierCostMinor: fc.option(minor),
    },
    { requiredKeys: [], noNullPrototype: true },
  ),
  'leg answer': fc.record({ uuid: fc.uuid(), answeredAt: epochMs }, { requiredKeys: ['uuid', 'answeredAt'], noNullPrototype: true }),
  'request change': fc.record(
    {
      dueAt: epochMs,
      attempts: fc.integer({ min: 0, max: 9 }),
      incrementAttempts: fc.boolean(),
      maxAttempts: fc.integer({ min: 1, max: 100 }),
      lastCause: fc.option(fc.constantFrom('NORMAL_CLEARING', 'USER_BUSY', 'x'.repeat(64))),
      destination: fc.option(number),
      callerIdPolicy: fc.option(fc.constantFrom('account', 'source', 'none')),
      data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4, noNullPrototype: true }),
      release: fc.boolean(),
    },
    { requiredKeys: [], noNullPrototype: true },
  ),
  request: fc
    .record(
      {
        id: fc.uuid(),
        accountId: fc.integer({ min: 1, max: 99 }),
        trigger: fc.constantFrom('web', 'api', 'sms', 'access', 'schedule', 'cli', 'redial'),
        source: number,
        destination: fc.option(number),
        mode: fc.constantFrom('source_first', 'simultaneous'),
        dueAt: epochMs,
        maxAttempts: fc.integer({ min: 1, max: 100 }),
        state: fc.constantFrom('queued', 'dialing_a', 'dialing_both'),
        idempotencyKey: fc.option(fc.string({ minLength: 1, maxLength: 128 })),
        callerIdPolicy: fc.option(fc.constantFrom('account', 'source', 'none')),
        // A webhook's URL is left to zod: only its absence is written as the engine writes it here.
        statusWebhookUrl: fc.constant(null),
        data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4, noNullPrototype: true }),
        claimedFor: fc.record({ instanceId: fc.string({ minLength: 1, maxLength: 128 }), leaseUntil: epochMs }, { noNullPrototype: true }),
      },
      { requiredKeys: ['accountId', 'trigger', 'source'], noNullPrototype: true },
    )
    // An order inserted claimed is in its first active state (the schema's refine).
    .filter((order) => order.claimedFor === undefined || (order.state !== undefined && order.state !== 'queued')),
  CDR: fc.record(
    {
      legUuid: fc.uuid(),
      requestId: fc.option(fc.uuid()),
      accountId: fc.option(fc.integer({ min: 1, max: 99 })),
      direction: fc.constantFrom('outbound', 'inbound'),
      number,
      startedAt: epochMs,
      answeredAt: fc.option(epochMs),
      endedAt: fc.option(epochMs),
      billsec: fc.integer({ min: 0, max: 7200 }),
      hangupCause: fc.option(fc.constantFrom('NORMAL_CLEARING', 'USER_BUSY')),
      costMinor: minor,
      ratePrefix: fc.option(fc.constantFrom('1', '44', '4420', 'ext:1')),
      carrier: fc.option(fc.constantFrom('carrier', 'backup')),
      carrierCostMinor: fc.option(minor),
      carrierCurrency: fc.option(fc.constantFrom('USD', 'EUR')),
      raw: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4, noNullPrototype: true })),
      source: fc.constantFrom('socket', 'json_cdr'),
    },
    { requiredKeys: ['legUuid', 'direction', 'number', 'startedAt', 'source'], noNullPrototype: true },
  ),
};

/** The answer as written: a JSON object field is compared as the JSON it is stored as. */
function asWritten(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, isJsonObject(field) ? JSON.stringify(field) : field]));
}

describe.each(CHECKS.map((check) => [check.what, check] as const))('the plain check of a %s', (what, check) => {
  const valid = VALID[what]!;
  const keys = Object.keys(check.schema.shape);

  it('takes the inputs the engine writes, answering what zod answers', () => {
    fc.assert(
      fc.property(valid, (input) => {
        const plain = check.plain(input);
        expect(plain).toBeDefined();
        expect(asWritten(plain)).toEqual(asWritten(check.schema.parse(input)));
      }),
      { numRuns: 300 },
    );
  });

  it('never takes what zod refuses, and answers what zod answers for what it takes', () => {
    const input = fc.oneof(
      fc.tuple(valid, fc.constantFrom(...keys), anyValue).map(([base, key, value]) => ({ ...base, [key]: value })),
      fc.tuple(valid, fc.string({ maxLength: 8 }), anyValue).map(([base, key, value]) => ({ ...base, [key]: value })),
      fc.tuple(valid, fc.constantFrom(...keys)).map(([base, key]) => Object.fromEntries(Object.entries(base).filter(([name]) => name !== key))),
      anyValue,
    );
    fc.assert(
      fc.property(input, (candidate) => {
        const plain = check.plain(candidate);
        if (plain === undefined) return;
        const parsed = check.schema.safeParse(candidate);
        expect(parsed.success).toBe(true);
        expect(asWritten(plain)).toEqual(asWritten(parsed.data));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('isPlainRecord', () => {
  it('takes an object literal whose keys are all known, nothing else', () => {
    const keys = new Set(['a', 'b']);
    expect(isPlainRecord({ a: 1 }, keys)).toBe(true);
    expect(isPlainRecord({}, keys)).toBe(true);
    expect(isPlainRecord({ a: 1, c: 2 }, keys)).toBe(false);
    expect(isPlainRecord(Object.create(null), keys)).toBe(false);
    expect(isPlainRecord([], keys)).toBe(false);
    expect(isPlainRecord(null, keys)).toBe(false);
    expect(isPlainRecord(randomUUID(), keys)).toBe(false);
  });
});
