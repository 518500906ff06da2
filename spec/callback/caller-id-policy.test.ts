import fc from 'fast-check';
import { callerIdsFor, type CallerIdInput, type CallerIdOptions } from '../../lib/callback/policy/caller-id-policy';
import { isE164, type E164 } from '../../lib/domain/phone-number';
import { TRIGGERS, type CallbackTrigger } from '../../lib/store/callback-requests';

const N = {
  SRC: '+14155550101',
  DEST: '+442071838750',
  DEV: '+14155550102',
  CB: '+18005550100',
  WEB: '+18005550199',
  ACC: '+18005550123',
} as const satisfies Record<string, string>;
type Name = keyof typeof N;
const num = (name: Name) => N[name] as E164;

function input(options: CallerIdOptions, trigger: CallbackTrigger, overrides: Partial<CallerIdInput> = {}): CallerIdInput {
  return { options, trigger, source: num('SRC'), sourceVerified: true, destination: num('DEST'), deviceCid: num('DEV'), accessNumber: num('ACC'), ...overrides };
}

/*
 * Every combination of the five options, all numbers known. Columns:
 *   dev sendDeviceCid, src sendSourceAsCid, fwd forwardPartyNumbers, cb callbackCid set, web webCallbackCid set
 *   then leg A / leg B for a web callback, and leg A / leg B for an access-number callback ("-" = gateway default).
 */
const TABLE = `
  dev src fwd cb web | web: A    B   | access: A  B
  .   .   .   .  .   |      -    -   |         ACC  -
  .   .   .   .  x   |      -    -   |         ACC  -
  .   .   .   x  .   |      CB   -   |         CB   -
  .   .   .   x  x   |      CB   -   |         CB   -
  .   .   x   .  .   |      DEST SRC |         DEST SRC
  .   .   x   .  x   |      DEST SRC |         DEST SRC
  .   .   x   x  .   |      DEST SRC |         DEST SRC
  .   .   x   x  x   |      DEST SRC |         DEST SRC
  .   x   .   .  .   |      -    SRC |         ACC  SRC
  .   x   .   .  x   |      WEB  SRC |         ACC  SRC
  .   x   .   x  .   |      CB   SRC |         CB   SRC
  .   x   .   x  x   |      WEB  SRC |         CB   SRC
  .   x   x   .  .   |      DEST SRC |         DEST SRC
  .   x   x   .  x   |      DEST SRC |         DEST SRC
  .   x   x   x  .   |      DEST SRC |         DEST SRC
  .   x   x   x  x   |      DEST SRC |         DEST SRC
  x   .   .   .  .   |      -    DEV |         ACC  DEV
  x   .   .   .  x   |      -    DEV |         ACC  DEV
  x   .   .   x  .   |      CB   DEV |         CB   DEV
  x   .   .   x  x   |      CB   DEV |         CB   DEV
  x   .   x   .  .   |      DEST DEV |         DEST DEV
  x   .   x   .  x   |      DEST DEV |         DEST DEV
  x   .   x   x  .   |      DEST DEV |         DEST DEV
  x   .   x   x  x   |      DEST DEV |         DEST DEV
  x   x   .   .  .   |      -    DEV |         ACC  DEV
  x   x   .   .  x   |      WEB  DEV |         ACC  DEV
  x   x   .   x  .   |      CB   DEV |         CB   DEV
  x   x   .   x  x   |      WEB  DEV |         CB   DEV
  x   x   x   .  .   |      DEST DEV |         DEST DEV
  x   x   x   .  x   |      DEST DEV |         DEST DEV
  x   x   x   x  .   |      DEST DEV |         DEST DEV
  x   x   x   x  x   |      DEST DEV |         DEST DEV
`;

type Expected = E164 | undefined;
interface Row {
  options: CallerIdOptions;
  web: [Expected, Expected];
  access: [Expected, Expected];
}

function parseTable(): Row[] {
  const cell = (text: string | undefined): Expected => {
    if (text === '-') return undefined;
    if (text !== undefined && text in N) return num(text as Name);
    throw new Error(`bad cell ${text}`);
  };
  return TABLE.trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [flags = [], web = [], access = []] = line.split('|').map((part) => part.trim().split(/\s+/));
      const [dev, src, fwd, cb, wcid] = flags.map((flag) => flag === 'x');
      return {
        options: {
          sendDeviceCid: dev === true,
          sendSourceAsCid: src === true,
          forwardPartyNumbers: fwd === true,
          callbackCid: cb === true ? num('CB') : null,
          webCallbackCid: wcid === true ? num('WEB') : null,
        },
        web: [cell(web[0]), cell(web[1])],
        access: [cell(access[0]), cell(access[1])],
      };
    });
}

const OPTIONS_OFF: CallerIdOptions = {
  sendDeviceCid: false,
  sendSourceAsCid: false,
  forwardPartyNumbers: false,
  callbackCid: null,
  webCallbackCid: null,
};

describe('caller-ID policy (C3)', () => {
  const rows = parseTable();

  it('the table lists all 32 option combinations once', () => {
    expect(rows).toHaveLength(32);
    expect(new Set(rows.map((row) => JSON.stringify(row.options))).size).toBe(32);
  });

  it.each(rows.map((row) => [JSON.stringify(row.options), row] as const))('%s', (_name, row) => {
    for (const trigger of ['web', 'api'] as const) {
      const ids = callerIdsFor(input(row.options, trigger));
      expect([ids.legA.number, ids.legB.number]).toEqual(row.web);
    }
    const ids = callerIdsFor(input(row.options, 'access'));
    expect([ids.legA.number, ids.legB.number]).toEqual(row.access);
  });

  it('names the rule that chose each number', () => {
    const all: CallerIdOptions = { sendDeviceCid: true, sendSourceAsCid: true, forwardPartyNumbers: true, callbackCid: num('CB'), webCallbackCid: num('WEB') };
    expect(callerIdsFor(input(all, 'web'))).toEqual({ legA: { number: N.DEST, rule: 'forward' }, legB: { number: N.DEV, rule: 'device' } });
    expect(callerIdsFor(input({ ...all, forwardPartyNumbers: false, sendDeviceCid: false }, 'web'))).toEqual({
      legA: { number: N.WEB, rule: 'web_cid' },
      legB: { number: N.SRC, rule: 'source' },
    });
    expect(callerIdsFor(input({ ...OPTIONS_OFF, forwardPartyNumbers: true }, 'sms'))).toEqual({
      legA: { number: N.DEST, rule: 'forward' },
      legB: { number: N.SRC, rule: 'forward' },
    });
    expect(callerIdsFor(input({ ...OPTIONS_OFF, callbackCid: num('CB') }, 'access')).legA).toEqual({ number: N.CB, rule: 'fixed_cid' });
    expect(callerIdsFor(input(OPTIONS_OFF, 'access')).legA).toEqual({ number: N.ACC, rule: 'access' });
    expect(callerIdsFor(input(OPTIONS_OFF, 'web'))).toEqual({
      legA: { number: undefined, rule: 'gateway_default' },
      legB: { number: undefined, rule: 'gateway_default' },
    });
  });

  it('falls through when the number a rule needs is unknown', () => {
    const options: CallerIdOptions = { ...OPTIONS_OFF, sendDeviceCid: true, forwardPartyNumbers: true, callbackCid: num('CB') };
    // "ask on leg A": no destination yet, so A cannot be shown it.
    expect(callerIdsFor(input(options, 'access', { destination: null })).legA).toEqual({ number: N.CB, rule: 'fixed_cid' });
    // an account without an authorized caller ID
    expect(callerIdsFor(input(options, 'access', { deviceCid: null })).legB).toEqual({ number: N.SRC, rule: 'forward' });
    expect(callerIdsFor(input({ ...OPTIONS_OFF, sendDeviceCid: true }, 'web', { deviceCid: null })).legB.number).toBeUndefined();
    // an access callback whose DID is not known
    expect(callerIdsFor(input(OPTIONS_OFF, 'access', { accessNumber: null })).legA.number).toBeUndefined();
  });

  it('#15 item 8: shows leg B the source only when it is a verified number of the account, never an unverified one', () => {
    const source: CallerIdOptions = { ...OPTIONS_OFF, sendSourceAsCid: true };
    const forward: CallerIdOptions = { ...OPTIONS_OFF, forwardPartyNumbers: true };
    expect(callerIdsFor(input(source, 'api', { sourceVerified: false })).legB).toEqual({ number: undefined, rule: 'gateway_default' });
    expect(callerIdsFor(input(forward, 'api', { sourceVerified: false })).legB).toEqual({ number: undefined, rule: 'gateway_default' });
    expect(callerIdsFor(input(source, 'api', { sourceVerified: true })).legB).toEqual({ number: N.SRC, rule: 'source' });
    // The device CID is a verified number by construction, so it stays the fallback for the unverified source.
    expect(callerIdsFor(input({ ...source, sendDeviceCid: true }, 'api', { sourceVerified: false })).legB).toEqual({ number: N.DEV, rule: 'device' });
  });

  it('uses webCallbackCid only for web and API callbacks', () => {
    const options: CallerIdOptions = { ...OPTIONS_OFF, sendSourceAsCid: true, webCallbackCid: num('WEB') };
    for (const trigger of TRIGGERS) {
      const expected = trigger === 'web' || trigger === 'api' ? N.WEB : trigger === 'access' ? N.ACC : undefined;
      expect(callerIdsFor(input(options, trigger)).legA.number).toBe(expected);
    }
  });

  it('skips a caller ID that is not E.164 instead of sending it to the carrier', () => {
    const bad = '0800 CALL ME' as E164;
    const options: CallerIdOptions = { ...OPTIONS_OFF, sendDeviceCid: true, sendSourceAsCid: true, callbackCid: bad, webCallbackCid: bad };
    expect(callerIdsFor(input(options, 'web', { deviceCid: bad }))).toEqual({
      legA: { number: undefined, rule: 'gateway_default' },
      legB: { number: N.SRC, rule: 'source' },
    });
  });

  it('never presents anything but one of the given E.164 numbers, or the gateway default', () => {
    const maybeNumber = fc.oneof(
      fc.constantFrom<E164 | null>(null, ...Object.values(N).map((n) => n as E164)),
      fc.string({ maxLength: 16 }).map((s) => s as E164),
    );
    const options = fc.record<CallerIdOptions>({
      sendDeviceCid: fc.boolean(),
      sendSourceAsCid: fc.boolean(),
      forwardPartyNumbers: fc.boolean(),
      callbackCid: maybeNumber,
      webCallbackCid: maybeNumber,
    });
    const inputs = fc.record<CallerIdInput>({
      options,
      trigger: fc.constantFrom(...TRIGGERS),
      source: maybeNumber.map((n) => n ?? num('SRC')),
      sourceVerified: fc.boolean(),
      destination: maybeNumber,
      deviceCid: maybeNumber,
      accessNumber: maybeNumber,
    });
    fc.assert(
      fc.property(inputs, (value) => {
        const { legA, legB } = callerIdsFor(value);
        for (const leg of [legA, legB]) {
          if (leg.number === undefined) expect(leg.rule).toBe('gateway_default');
          else expect(isE164(leg.number)).toBe(true);
        }
        const o = value.options;
        const forA = [value.destination, o.webCallbackCid, o.callbackCid, value.accessNumber];
        if (legA.number !== undefined) expect(forA).toContain(legA.number);
        if (legB.number !== undefined) expect([value.deviceCid, value.source]).toContain(legB.number);
        // A source nobody has shown to be the account's is never shown to leg B (#15 item 8).
        if (!value.sourceVerified && legB.number === value.source) expect(legB.rule).toBe('device');
        // Leg B is only ever given a number when an option asks for one.
        if (!o.sendDeviceCid && !o.sendSourceAsCid && !o.forwardPartyNumbers) expect(legB.number).toBeUndefined();
      }),
    );
  });
});
