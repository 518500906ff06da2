import { DOMAIN_PATTERN, EXTENSION_PATTERN } from '../domain/call-endpoint';
import { EslInvalidArgument } from './errors';

/**
 * Dial strings are a small language (`,` rings in parallel, `|` in sequence, `:_:` separates
 * groups, `{}`/`[]` set variables, `'` groups words, `&` starts the application, `${}` expands
 * variables). Every value that comes from a request (numbers, names) is checked against a narrow
 * alphabet so none of that syntax can come from data; the only character we let through and
 * quote is the space in names and values, grouped with single quotes as FreeSWITCH documents.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\+?\d{1,32}$/;
const GATEWAY = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;
const VALUE = /^[\p{L}\p{N} _.:@+/=*#-]{0,256}$/u;

/** Variables set only through their own options (checked there); a request's free-form variables may not name them. */
const RESERVED = new Set(['origination_uuid', 'origination_caller_id_number', 'origination_caller_id_name', 'originate_timeout', 'ignore_early_media']);

export interface SocketTarget {
  host: string;
  port: number;
}

/** A user registered on the node itself (`user/<extension>@<domain>`), dialed without a carrier. */
export interface UserTarget {
  extension: string;
  /** Null: the node's own default domain (FreeSWITCH's `domain` global), as `user/<extension>` dials. */
  domain: string | null;
}

interface OriginateBase {
  /** Our id for the new leg (`origination_uuid`): correlate by it, never by arrival order (§9). */
  uuid: string;
  callerIdNumber?: string;
  callerIdName?: string;
  timeoutSec: number;
  /** Where the answered leg goes: our outbound socket server, or parked for uuid_* control. */
  socket: SocketTarget | 'park';
  variables?: Record<string, string | number | boolean>;
}

/** A leg through a carrier's gateway, or to a registered user of the node. */
export type OriginateRequest = (OriginateBase & { gateway: string; number: string }) | (OriginateBase & { user: UserTarget });

export function checkUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new EslInvalidArgument(field, 'not a UUID');
  return value.toLowerCase();
}

export function checkNumber(field: string, value: string): string {
  if (!NUMBER.test(value)) throw new EslInvalidArgument(field, 'must be digits with an optional leading +');
  return value;
}

export function checkVariableName(field: string, value: string): string {
  if (!VARIABLE_NAME.test(value)) throw new EslInvalidArgument(field, `variable name ${JSON.stringify(value)} is not [A-Za-z0-9_-]`);
  return value;
}

/** A value inside `{…}`: checked, and single-quoted when it has spaces. */
export function variableValue(field: string, value: string | number | boolean): string {
  const text = String(value);
  if (!VALUE.test(text) || text.includes(':_:')) throw new EslInvalidArgument(field, 'contains characters that are dial-string syntax');
  return text.includes(' ') ? `'${text}'` : text;
}

function callerIdName(value: string): string {
  if (!NAME.test(value)) throw new EslInvalidArgument('callerIdName', 'only letters, digits, spaces and . _ - are allowed');
  return value.includes(' ') ? `'${value}'` : value;
}

function variableBlock(pairs: Array<[string, string]>): string {
  return `{${pairs.map(([name, value]) => `${name}=${value}`).join(',')}}`;
}

function userVariables(variables: Record<string, string | number | boolean> | undefined): Array<[string, string]> {
  return Object.entries(variables ?? {}).map(([name, value]) => {
    checkVariableName('variables', name);
    if (RESERVED.has(name)) throw new EslInvalidArgument('variables', `${name} is set by the originate helper`);
    return [name, variableValue(`variables.${name}`, value)];
  });
}

export interface BridgeTarget {
  gateway: string;
  number: string;
  /** `origination_uuid` of the leg the bridge creates. */
  uuid?: string;
  /** The B leg's caller ID; without it B shows the bridging leg's (effective) caller ID. */
  callerIdNumber?: string;
  callerIdName?: string;
  /** How long B may ring (`originate_timeout`); without it the bridging leg's `call_timeout` (60 s) applies. */
  timeoutSec?: number;
  variables?: Record<string, string | number | boolean>;
}

/**
 * `{vars}sofia/gateway/GW/NUMBER`: the B leg of a `bridge`. Caller ID and ring time go in the
 * leg's own variable block, so the bridging leg's channel variables are left as they were.
 */
export function gatewayDialString(target: BridgeTarget): string {
  const endpoint = gatewayEndpoint(target.gateway, target.number);
  const pairs: Array<[string, string]> = [];
  if (target.uuid !== undefined) pairs.push(['origination_uuid', checkUuid('uuid', target.uuid)]);
  pairs.push(...callerIdPairs(target));
  if (target.timeoutSec !== undefined) pairs.push(['originate_timeout', timeoutSeconds(target.timeoutSec)]);
  pairs.push(...userVariables(target.variables));
  const block = pairs.length > 0 ? variableBlock(pairs) : '';
  return `${block}${endpoint}`;
}

function callerIdPairs(target: { callerIdNumber?: string; callerIdName?: string }): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (target.callerIdNumber !== undefined) pairs.push(['origination_caller_id_number', checkNumber('callerIdNumber', target.callerIdNumber)]);
  if (target.callerIdName !== undefined) pairs.push(['origination_caller_id_name', callerIdName(target.callerIdName)]);
  return pairs;
}

function timeoutSeconds(value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > 3600) throw new EslInvalidArgument('timeoutSec', 'must be a whole number of seconds between 1 and 3600');
  return String(value);
}

/**
 * The `originate` command (without `bgapi`). Always `ignore_early_media=true`: otherwise the
 * originate succeeds on 183 and `&socket` runs on an unanswered leg (§5).
 */
export function originateCommand(request: OriginateRequest): string {
  const endpoint = 'user' in request ? userEndpoint(request.user) : gatewayEndpoint(request.gateway, request.number);
  const timeout = timeoutSeconds(request.timeoutSec);
  const pairs: Array<[string, string]> = [['origination_uuid', checkUuid('uuid', request.uuid)], ...callerIdPairs(request)];
  pairs.push(['originate_timeout', timeout], ['ignore_early_media', 'true'], ...userVariables(request.variables));
  return `originate ${variableBlock(pairs)}${endpoint} ${applicationPart(request.socket)}`;
}

function gatewayEndpoint(gateway: string, number: string): string {
  if (!GATEWAY.test(gateway)) throw new EslInvalidArgument('gateway', 'only letters, digits and . _ - are allowed');
  return `sofia/gateway/${gateway}/${checkNumber('number', number)}`;
}

/** `user/<extension>[@<domain>]`: FreeSWITCH looks the user up in its directory and dials where it registered. */
export function userEndpoint(user: UserTarget): string {
  const extension = checkExtension('extension', user.extension);
  return user.domain === null ? `user/${extension}` : `user/${extension}@${checkDomain('domain', user.domain)}`;
}

export function checkExtension(field: string, value: string): string {
  if (!EXTENSION_PATTERN.test(value)) throw new EslInvalidArgument(field, 'an extension is 1 to 16 digits');
  return value;
}

export function checkDomain(field: string, value: string): string {
  if (!DOMAIN_PATTERN.test(value)) throw new EslInvalidArgument(field, 'must be a host name or IPv4 address');
  return value;
}

function applicationPart(socket: SocketTarget | 'park'): string {
  if (socket === 'park') return '&park()';
  if (!HOST.test(socket.host)) throw new EslInvalidArgument('socket.host', 'must be a host name or IPv4 address');
  if (!Number.isInteger(socket.port) || socket.port < 1 || socket.port > 65535) throw new EslInvalidArgument('socket.port', 'must be 1-65535');
  // Quoted: the application's argument has spaces and originate splits its own arguments on them.
  return `'&socket(${socket.host}:${socket.port} async full)'`;
}
