import fc from 'fast-check';
import { basicAuthorization, basicCredentialsMatch, readJsonCdrBody } from '../../lib/cdr';
import { encodeJsonCdr, type JsonCdrEncoding } from '../../lib/simulator';
import { sampleCdr } from './support';

function read(cdr: unknown, encode: JsonCdrEncoding = 'false', queryUuid?: string) {
  const { body, contentType } = encodeJsonCdr(JSON.stringify(cdr), encode);
  return readJsonCdrBody(contentType, Buffer.from(body), queryUuid);
}

describe("reading mod_json_cdr's posts", () => {
  it.each<JsonCdrEncoding>(['false', 'true', 'base64'])('reads the same CDR whatever the encode param (%s)', (encode) => {
    const cdr = sampleCdr({ billsec: 42, answeredAt: 1_700_000_000_000, variables: { caller_id_name: 'A+B & C=D/é', callback_request_id: '0b8e4b4e-9d5c-4f0e-8f52-2a1e9f6c1a11' } });
    const uuid = (cdr.variables as { uuid: string }).uuid;
    expect(read(cdr, encode, uuid)).toEqual({
      ok: true,
      cdr: {
        legUuid: uuid,
        node: 'fs1',
        requestId: '0b8e4b4e-9d5c-4f0e-8f52-2a1e9f6c1a11',
        startedAt: 1_699_999_997_000,
        answeredAt: 1_700_000_000_000,
        endedAt: 1_700_000_042_400,
        billsec: 42,
        hangupCause: 'NORMAL_CLEARING',
        raw: cdr,
      },
    });
  });

  it('keeps every byte of any variable through every encoding (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom<JsonCdrEncoding>('false', 'true', 'base64'), (value, encode) => {
        const reading = read(sampleCdr({ variables: { caller_id_name: value } }), encode);
        expect(reading.ok && (reading.cdr.raw.variables as Record<string, string>).caller_id_name).toBe(value);
      }),
    );
  });

  it('reads a leg that never answered as answered at no time, with no billsec', () => {
    const reading = read(sampleCdr({ billsec: 0, cause: 'USER_BUSY', variables: { answer_uepoch: '0' } }));
    expect(reading).toMatchObject({ ok: true, cdr: { answeredAt: null, billsec: 0, hangupCause: 'USER_BUSY' } });
  });

  it.each([
    ['text/plain', '{}', 'unsupported Content-Type "text/plain"'],
    ['application/json', '{"variables":', 'the CDR is not JSON'],
    ['application/json', '[]', 'not a mod_json_cdr CDR: (top): '],
    ['application/x-www-form-urlencoded', 'json=%7B%7D', 'the form has no cdr field'],
    ['application/x-www-form-base64-encoded', 'cdr=%%%', 'the cdr field is not base64'],
  ])('refuses a %s body %j, saying why', (contentType, body, problem) => {
    const reading = readJsonCdrBody(contentType, Buffer.from(body), undefined);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.problem).toContain(problem);
  });

  it('names each missing or malformed variable', () => {
    const cdr = sampleCdr({ variables: { billsec: '4.5', hangup_cause: 'SOMETHING_ELSE' } });
    delete (cdr.variables as Record<string, string>).end_uepoch;
    const reading = read(cdr);
    expect(reading.ok).toBe(false);
    const problem = !reading.ok ? reading.problem : '';
    expect(problem).toContain('variables.billsec: expected whole seconds as a string of digits');
    expect(problem).toContain('variables.hangup_cause: expected a FreeSWITCH hangup cause');
    expect(problem).toContain('variables.end_uepoch');
  });

  it('refuses numbers too long to be exact rather than storing them rounded', () => {
    const reading = read(sampleCdr({ variables: { billsec: '1234567890', end_uepoch: '12345678901234567' } }));
    expect(!reading.ok && reading.problem).toBe(
      'not a mod_json_cdr CDR: variables.billsec: expected whole seconds as a string of digits; variables.end_uepoch: expected microseconds since the epoch as a string of digits',
    );
  });

  it('refuses a CDR whose leg is not the one the URL names', () => {
    const reading = read(sampleCdr({ uuid: '11111111-1111-4111-8111-111111111111' }), 'false', '22222222-2222-4222-8222-222222222222');
    expect(reading).toEqual({ ok: false, problem: 'the URL names leg 22222222-2222-4222-8222-222222222222 but the CDR is for leg 11111111-1111-4111-8111-111111111111' });
  });
});

describe("checking mod_json_cdr's cred", () => {
  it('accepts exactly user:password, nothing shorter, longer or differently cased', () => {
    expect(basicCredentialsMatch(basicAuthorization('freeswitch', 'secret-0123456789-abcdefgh'), 'freeswitch', 'secret-0123456789-abcdefgh')).toBe(true);
    for (const header of [
      undefined,
      '',
      'Bearer secret-0123456789-abcdefgh',
      basicAuthorization('freeswitch', 'secret-0123456789-abcdefg'),
      basicAuthorization('freeswitch', 'secret-0123456789-abcdefghi'),
      basicAuthorization('FreeSWITCH', 'secret-0123456789-abcdefgh'),
      basicAuthorization('freeswitch', 'SECRET-0123456789-abcdefgh'),
    ]) {
      expect(basicCredentialsMatch(header, 'freeswitch', 'secret-0123456789-abcdefgh')).toBe(false);
    }
  });
});
