import fc from 'fast-check';
import { loadSettings, SettingsError } from '../../lib/config';
import { conferenceName, dtmfDigits, playAndGetDigitsArg, sayArg, transferArg, word } from '../../lib/esl/app-args';
import { gatewayDialString, originateCommand, type BridgeTarget, type OriginateRequest } from '../../lib/esl/dial-string';
import { EslInvalidArgument } from '../../lib/esl/errors';
import { EslCommandInjectionError, encodeCommand } from '../../lib/esl/wire';
import { FOREIGN_SYNTAX, readDialString } from './support/dial-string-reader';
import { DIAL_STRING_ATTACKS, syntaxHeavyString } from './support/hostile';

const UUID = 'cfc8eb72-f1d8-4ad2-9615-af8eae005259';
const SOCKET = { host: '127.0.0.1', port: 8084 };

/** Either a clean value of the field's kind or a hostile one, so both branches are exercised. */
const numberLike = fc.oneof(fc.stringMatching(/^\+?\d{1,15}$/), syntaxHeavyString(), fc.constantFrom(...DIAL_STRING_ATTACKS));
const nameLike = fc.oneof(fc.stringMatching(/^[A-Za-zü][A-Za-z ü.-]{0,12}$/), syntaxHeavyString(), fc.constantFrom(...DIAL_STRING_ATTACKS));
const gatewayLike = fc.oneof(fc.stringMatching(/^[a-z0-9_.-]{1,12}$/), syntaxHeavyString(12), fc.constantFrom(...DIAL_STRING_ATTACKS));
const valueLike = fc.oneof(fc.stringMatching(/^[a-z0-9 :@=.]{0,10}$/), syntaxHeavyString(), fc.constantFrom(...DIAL_STRING_ATTACKS));

/** What no accepted dial string may contain: other legs, other applications, expansions, line ends. */
function expectNoForeignSyntax(text: string): void {
  expect(text).not.toMatch(FOREIGN_SYNTAX);
}

function attempt<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    // Refusal must be our typed error naming the field, never a crash of another kind.
    expect(error).toBeInstanceOf(EslInvalidArgument);
    return undefined;
  }
}

describe('dial-string injection: the builders', () => {
  it('an originate built from any numbers, caller-ID names, gateway and variable values is refused or has exactly the legs, variables and application asked for', () => {
    fc.assert(
      fc.property(numberLike, numberLike, nameLike, gatewayLike, valueLike, (number, callerIdNumber, callerIdName, gateway, value) => {
        const request: OriginateRequest = { uuid: UUID, gateway, number, callerIdNumber, callerIdName, timeoutSec: 30, socket: SOCKET, variables: { callback_note: value } };
        const command = attempt(() => originateCommand(request));
        if (command === undefined) return;
        expectNoForeignSyntax(command);
        expect(command.startsWith('originate ')).toBe(true);
        const parsed = readDialString(command.slice('originate '.length));
        expect(parsed.gateway).toBe(gateway);
        expect(parsed.number).toBe(number);
        expect(parsed.rest).toBe(` '&socket(${SOCKET.host}:${SOCKET.port} async full)'`);
        expect(parsed.variables).toEqual([
          ['origination_uuid', UUID],
          ['origination_caller_id_number', callerIdNumber],
          ['origination_caller_id_name', callerIdName],
          ['originate_timeout', '30'],
          ['ignore_early_media', 'true'],
          ['callback_note', value],
        ]);
      }),
      { numRuns: 3000 },
    );
  });

  it('a bridge target built from any number, caller ID and gateway is refused or is exactly one leg through that gateway', () => {
    fc.assert(
      fc.property(numberLike, numberLike, nameLike, gatewayLike, (number, callerIdNumber, callerIdName, gateway) => {
        const target: BridgeTarget = { gateway, number, callerIdNumber, callerIdName, uuid: UUID, timeoutSec: 20 };
        const text = attempt(() => gatewayDialString(target));
        if (text === undefined) return;
        expectNoForeignSyntax(text);
        const parsed = readDialString(text);
        expect(parsed).toMatchObject({ gateway, number, rest: '' });
        expect(parsed.variables.map(([name]) => name)).toEqual(['origination_uuid', 'origination_caller_id_number', 'origination_caller_id_name', 'originate_timeout']);
        expect(parsed.variables[2]?.[1]).toBe(callerIdName);
      }),
      { numRuns: 3000 },
    );
  });

  it('every known dial-string attack in a number, caller-ID number, caller-ID name or gateway is refused', () => {
    for (const attack of DIAL_STRING_ATTACKS) {
      const base: OriginateRequest = { uuid: UUID, gateway: 'carrier', number: '4000', timeoutSec: 30, socket: 'park' };
      expect(() => originateCommand({ ...base, number: attack })).toThrow(EslInvalidArgument);
      expect(() => originateCommand({ ...base, callerIdNumber: attack })).toThrow(EslInvalidArgument);
      expect(() => originateCommand({ ...base, gateway: attack })).toThrow(EslInvalidArgument);
      // A name may have spaces (they are quoted); any other syntax character is refused.
      if (/[^\p{L}\p{N} ._-]/u.test(attack)) expect(() => originateCommand({ ...base, callerIdName: attack })).toThrow(EslInvalidArgument);
      expect(() => gatewayDialString({ gateway: 'carrier', number: attack })).toThrow(EslInvalidArgument);
    }
  });

  it('application arguments sent with sendmsg are refused or stay one word each, whatever the data', () => {
    fc.assert(
      fc.property(syntaxHeavyString(), (value) => {
        // Each builder with the number of words its argument has: data never adds one.
        const builders: Array<[() => string, number]> = [
          [() => word('file', value), 1],
          [() => sayArg({ type: 'number', text: value }), 4],
          [() => transferArg(value), 1],
          [() => dtmfDigits(value), 1],
          [() => conferenceName(value), 1],
          [() => playAndGetDigitsArg({ min: 1, max: 4, tries: 1, timeoutMs: 1000, file: value }, 'digits'), 10],
        ];
        for (const [build, words] of builders) {
          const argument = attempt(build);
          if (argument === undefined) continue;
          expect(argument).not.toMatch(/[\r\n\t\0]/);
          expect(argument.split(' ')).toHaveLength(words);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('no command or header value carrying a line break or NUL is ever put on the ESL wire', () => {
    fc.assert(
      fc.property(syntaxHeavyString(40), syntaxHeavyString(20), (command, header) => {
        let bytes: Buffer;
        try {
          bytes = encodeCommand(`api ${command}`, { 'Event-UUID': header });
        } catch (error) {
          expect(error).toBeInstanceOf(EslCommandInjectionError);
          expect(`${command}${header}`).toMatch(/[\r\n\0]/);
          return;
        }
        const text = bytes.toString('utf8');
        // Exactly one command line, one header line and the blank line that ends the frame.
        expect(text).toBe(`api ${command}\nEvent-UUID: ${header}\n\n`);
        expect(text.split('\n')).toHaveLength(4);
        expect(text).not.toContain('\0');
      }),
      { numRuns: 3000 },
    );
  });

  it('a gateway name with dial-string syntax is refused when the settings are loaded, before any call', () => {
    for (const gateway of ['carrier,user/1000', 'carrier|evil', 'car rier', 'carrier/../x', '{x=1}carrier', 'carrier\n', '']) {
      const nodes = JSON.stringify([{ name: 'fs1', host: '10.0.0.5', gateways: [gateway] }]);
      expect(() => loadSettings({ env: { CALLBACK_FREESWITCH_MODE: 'external', CALLBACK_FREESWITCH_NODES: nodes } })).toThrow(SettingsError);
    }
    const fine = JSON.stringify([{ name: 'fs1', host: '10.0.0.5', gateways: ['carrier-1.eu_west'] }]);
    expect(loadSettings({ env: { CALLBACK_FREESWITCH_MODE: 'external', CALLBACK_FREESWITCH_NODES: fine } }).freeswitch.nodes[0]?.gateways).toEqual(['carrier-1.eu_west']);
  });
});
