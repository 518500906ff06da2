import fc from 'fast-check';
import { gatewayDialString, originateCommand, type OriginateRequest } from '../../lib/esl/dial-string';
import { EslInvalidArgument } from '../../lib/esl/errors';
import { subscriptionCommand } from '../../lib/esl/subscription';
import { readVariableBlock } from '../security/support/dial-string-reader';

const UUID = 'cfc8eb72-f1d8-4ad2-9615-af8eae005259';
const base: OriginateRequest = { uuid: UUID, gateway: 'carrier', number: '4000', timeoutSec: 30, socket: { host: '127.0.0.1', port: 8084 } };

/** Splits `originate {a=1,b='x y'}sofia/... '&socket(...)'` the way FreeSWITCH groups it. */
function parseOriginate(command: string): { variables: Map<string, string>; endpoint: string; application: string } {
  const match = /^originate \{(.*)\}(\S+) (.+)$/.exec(command);
  if (!match) throw new Error(`not an originate: ${command}`);
  const [, block = '', endpoint = '', application = ''] = match;
  return { variables: new Map(readVariableBlock(block)), endpoint, application };
}

describe('originate dial strings', () => {
  it('always sets origination_uuid, originate_timeout and ignore_early_media, and sends the leg to our socket', () => {
    expect(originateCommand(base)).toBe(
      `originate {origination_uuid=${UUID},originate_timeout=30,ignore_early_media=true}sofia/gateway/carrier/4000 '&socket(127.0.0.1:8084 async full)'`,
    );
    expect(originateCommand({ ...base, socket: 'park', variables: { hangup_after_bridge: false, sip_h_X_Request: 'r-1' } })).toBe(
      `originate {origination_uuid=${UUID},originate_timeout=30,ignore_early_media=true,hangup_after_bridge=false,sip_h_X_Request=r-1}sofia/gateway/carrier/4000 &park()`,
    );
  });

  it('dials a registered user of the node as user/<extension>@<domain>, checking both parts', () => {
    const { uuid, timeoutSec, socket } = base;
    const user = (extension: string, domain: string | null): string => originateCommand({ uuid, timeoutSec, socket: 'park', user: { extension, domain } });
    expect(user('1001', 'pbx.example.com')).toBe(`originate {origination_uuid=${UUID},originate_timeout=30,ignore_early_media=true}user/1001@pbx.example.com &park()`);
    expect(user('1001', '10.0.0.5')).toContain('user/1001@10.0.0.5 ');
    expect(user('1001', null)).toContain('}user/1001 &park()');
    expect(originateCommand({ uuid, timeoutSec, socket, user: { extension: '7', domain: 'a' } })).toContain('user/7@a ');
    for (const extension of ['', '10 01', '1001,sofia/gateway/x/1', '1001@evil', '${x}', 'abc', '12345678901234567']) {
      expect(() => user(extension, 'pbx')).toThrow(expect.objectContaining({ name: 'EslInvalidArgument', field: 'extension' }));
    }
    for (const domain of ['', '${domain}', 'a b', 'pbx|sofia', 'pbx,x', '-pbx', 'pbx..x', 'pbx/x', "pbx'"]) {
      expect(() => user('1001', domain)).toThrow(expect.objectContaining({ name: 'EslInvalidArgument', field: 'domain' }));
    }
  });

  it('quotes caller names with spaces and keeps Unicode letters', () => {
    const { variables } = parseOriginate(originateCommand({ ...base, callerIdName: 'Jürgen Müller', callerIdNumber: '+4930123' }));
    expect(variables.get('origination_caller_id_name')).toBe('Jürgen Müller');
    expect(variables.get('origination_caller_id_number')).toBe('+4930123');
  });

  it.each([
    ['number', { number: '4000,5000' }],
    ['number', { number: '4000|5000' }],
    ['number', { number: '40 00' }],
    ['number', { number: '4000\n' }],
    ['number', { number: '' }],
    ['callerIdNumber', { callerIdNumber: '123&park' }],
    ['callerIdName', { callerIdName: "O'Brien" }],
    ['callerIdName', { callerIdName: 'a,b' }],
    ['callerIdName', { callerIdName: '{x}' }],
    ['callerIdName', { callerIdName: '${sip_from_user}' }],
    ['callerIdName', { callerIdName: 'A\nB' }],
    ['gateway', { gateway: 'carrier/4000,sofia' }],
    ['uuid', { uuid: 'not-a-uuid' }],
    ['timeoutSec', { timeoutSec: 0 }],
    ['socket.host', { socket: { host: '127.0.0.1 async full)&park(', port: 8084 } }],
    ['variables', { variables: { origination_uuid: 'x' } }],
    ['variables.x', { variables: { x: 'a,b' } }],
    ['variables.x', { variables: { x: "a'b" } }],
    ['variables.x', { variables: { x: 'a:_:sofia/gateway/evil/1' } }],
  ] as Array<[string, Partial<OriginateRequest>]>)('refuses a bad %s', (field, override) => {
    expect(() => originateCommand({ ...base, ...override })).toThrow(expect.objectContaining({ name: 'EslInvalidArgument', field }));
  });

  it('never lets data add variables, legs or applications (property)', () => {
    let accepted = 0;
    const anyText = fc.string({ unit: fc.constantFrom(...'0123456789+ ,|{}[]\'"&:;=$\n\r\\abcXYZ _-.üй'.split('')), maxLength: 24 });
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^\+?\d{1,12}$/), anyText),
        fc.oneof(fc.stringMatching(/^\+?\d{1,12}$/), anyText),
        fc.oneof(fc.stringMatching(/^[A-Za-zü][A-Za-z ü.-]{0,10}$/), anyText),
        fc.oneof(fc.stringMatching(/^[a-z0-9 :@=.]{0,10}$/), anyText),
        (number, callerIdNumber, callerIdName, value) => {
        let command: string;
        try {
          command = originateCommand({ ...base, number, callerIdNumber, callerIdName, variables: { x_custom: value } });
        } catch (error) {
          expect(error).toBeInstanceOf(EslInvalidArgument);
          return;
        }
        expect(command).not.toMatch(/[\r\n]/);
        const { variables, endpoint, application } = parseOriginate(command);
        expect([...variables.keys()]).toEqual([
          'origination_uuid',
          'origination_caller_id_number',
          'origination_caller_id_name',
          'originate_timeout',
          'ignore_early_media',
          'x_custom',
        ]);
        expect(variables.get('origination_caller_id_name')).toBe(callerIdName);
        expect(variables.get('x_custom')).toBe(value);
        expect(endpoint).toBe(`sofia/gateway/carrier/${number}`);
        expect(application).toBe("'&socket(127.0.0.1:8084 async full)'");
        accepted++;
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('builds bridge targets the same way', () => {
    expect(gatewayDialString({ gateway: 'carrier', number: '1000', uuid: UUID })).toBe(`{origination_uuid=${UUID}}sofia/gateway/carrier/1000`);
    expect(gatewayDialString({ gateway: 'carrier', number: '1000' })).toBe('sofia/gateway/carrier/1000');
    expect(() => gatewayDialString({ gateway: 'carrier', number: '1000,2000' })).toThrow(EslInvalidArgument);
  });

  it("puts a bridge target's caller ID and ring time in its own variable block", () => {
    expect(gatewayDialString({ gateway: 'carrier', number: '1000', uuid: UUID, callerIdNumber: '+12025550101', callerIdName: 'Jane Doe', timeoutSec: 25, variables: { callback_leg: 'B' } })).toBe(
      `{origination_uuid=${UUID},origination_caller_id_number=+12025550101,origination_caller_id_name='Jane Doe',originate_timeout=25,callback_leg=B}sofia/gateway/carrier/1000`,
    );
    const bad = { gateway: 'carrier', number: '1000' };
    expect(() => gatewayDialString({ ...bad, callerIdNumber: '1,2' })).toThrow(expect.objectContaining({ field: 'callerIdNumber' }));
    expect(() => gatewayDialString({ ...bad, callerIdName: '{x}' })).toThrow(expect.objectContaining({ field: 'callerIdName' }));
    expect(() => gatewayDialString({ ...bad, timeoutSec: 1.5 })).toThrow(expect.objectContaining({ field: 'timeoutSec' }));
    // Only through the options, which check them.
    expect(() => gatewayDialString({ ...bad, variables: { originate_timeout: 5 } })).toThrow(expect.objectContaining({ field: 'variables' }));
  });
});

describe('event subscriptions', () => {
  it('puts CUSTOM and its subclasses last and refuses odd names', () => {
    expect(subscriptionCommand(['CHANNEL_ANSWER', 'DTMF'], ['conference::maintenance'])).toBe('event plain CHANNEL_ANSWER DTMF CUSTOM conference::maintenance');
    expect(() => subscriptionCommand(['CUSTOM', 'CHANNEL_ANSWER'])).toThrow(EslInvalidArgument);
    expect(() => subscriptionCommand(['CHANNEL_ANSWER\nexit'])).toThrow(EslInvalidArgument);
    expect(() => subscriptionCommand([])).toThrow(EslInvalidArgument);
  });
});
