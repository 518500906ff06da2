import { randomUUID } from 'node:crypto';
import { isHangupCause, type HangupCause } from '../esl/hangup-causes';
import type { Channel, ProfileValues } from './channel';
import type { SwitchCore } from './core';
import type { DialTarget, Endpoint } from './dial-string';
import { otherLegOf } from './event-factory';
import { dialOutcome, inCallScript } from './phones';
import type { Session } from './session';

export interface OriginateRequest {
  readonly target: DialTarget;
  /** The leg running `bridge`; its B leg inherits caller ID and exported variables. */
  readonly originator?: Session;
  readonly timeoutSec?: number;
  readonly callerIdName?: string;
  readonly callerIdNumber?: string;
}

export type OriginateResult = { ok: true; session: Session } | { ok: false; cause: HangupCause };

const DEFAULT_TIMEOUT_SEC = 60;
const DEFAULT_CALLER_ID = '0000000000';

function failure(cause: HangupCause): OriginateResult {
  return { ok: false, cause };
}

/** Checks the endpoint before any channel exists (an unknown gateway creates none, capture 02). */
function endpointProblem(core: SwitchCore, endpoint: Endpoint): HangupCause | undefined {
  switch (endpoint.kind) {
    case 'gateway':
      return core.gatewayExists(endpoint.gateway) ? core.gatewayDownCause(endpoint.gateway) : 'INVALID_GATEWAY';
    case 'profile':
      return undefined;
    case 'user':
      return userProblem(core.directoryUser(endpoint.number, endpoint.domain ?? core.defaultDomain));
    case 'error':
      return isHangupCause(endpoint.cause) ? endpoint.cause : 'NORMAL_UNSPECIFIED';
    case 'unsupported':
      return 'CHAN_NOT_IMPLEMENTED';
  }
}

/**
 * What FreeSWITCH 1.10.12 answers `originate user/…` with, before any channel (docs/extension-legs.md):
 * mod_dptools refuses a user its directory lacks with SUBSCRIBER_ABSENT ("Can't find user"), and
 * mod_sofia's contact lookup for a user without a registration yields error/user_not_registered.
 */
function userProblem(user: 'registered' | 'unregistered' | 'unknown'): HangupCause | undefined {
  if (user === 'unknown') return 'SUBSCRIBER_ABSENT';
  return user === 'unregistered' ? 'USER_NOT_REGISTERED' : undefined;
}

/**
 * Places an outbound leg and plays the phone at the dialled number until it answers or fails.
 * On failure the leg is gone before the result is known (HANGUP_COMPLETE precedes a busy
 * BACKGROUND_JOB), except for the originate timeout, which reports first (capture 02).
 */
export function originate(core: SwitchCore, request: OriginateRequest): Promise<OriginateResult> {
  const { endpoint } = request.target;
  const problem = endpointProblem(core, endpoint);
  if (problem || endpoint.kind === 'error' || endpoint.kind === 'unsupported') return Promise.resolve(failure(problem ?? 'CHAN_NOT_IMPLEMENTED'));
  const vars = new Map(request.target.vars);
  const uuid = vars.get('origination_uuid') ?? randomUUID();
  if (core.channel(uuid)) return Promise.resolve(failure('NORMAL_TEMPORARY_FAILURE'));
  const session = createOutboundLeg(core, request, uuid, vars, endpoint);
  const channel = session.channel;
  core.emit('CHANNEL_CREATE', channel);

  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: OriginateResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    session.teardownHooks.push(() => settle(failure(channel.hangupCause ?? 'NORMAL_CLEARING')));
    const timers = [scheduleTimeout(core, channel, request, vars, () => settle(failure('NO_ANSWER')))];
    session.hangupHooks.push(() => timers.forEach((t) => t.cancel()));
    request.originator?.hangupHooks.push(() => {
      if (!channel.answered) core.hangup(channel, 'ORIGINATOR_CANCEL', 'timeout');
    });

    const phone = core.phones.take(endpoint.number);
    const outcome = dialOutcome(phone);
    if (outcome.kind === 'ring-forever' || outcome.ringing) {
      farEndResponded(channel);
      core.ringReady(channel);
    }
    if (outcome.kind === 'answer') {
      timers.push(
        core.after(outcome.afterMs, () => {
          session.farEnd = inCallScript(phone);
          answerByFarEnd(core, channel, endpoint.number);
          settle({ ok: true, session });
        }),
      );
    } else if (outcome.kind === 'refuse') {
      timers.push(
        core.after(outcome.afterMs, () => {
          farEndResponded(channel);
          core.hangup(channel, outcome.cause, 'remote-refuse', outcome.sip);
        }),
      );
    }
  });
}

function createOutboundLeg(core: SwitchCore, request: OriginateRequest, uuid: string, vars: Map<string, string>, endpoint: DialledEndpoint): Session {
  const originator = request.originator?.channel;
  const number = endpoint.number;
  const name = channelName(core, endpoint);
  const callerId = callerIdFor(request, vars);
  const profile: ProfileValues = {
    Direction: 'outbound',
    'Logical-Direction': 'outbound',
    'Caller-ID-Name': callerId.name,
    'Caller-ID-Number': callerId.number,
    'Orig-Caller-ID-Name': callerId.origName,
    'Orig-Caller-ID-Number': callerId.origNumber,
    'Callee-ID-Name': 'Outbound Call',
    'Callee-ID-Number': number,
    ANI: callerId.origNumber,
    'Destination-Number': number,
    'Unique-ID': uuid,
    Source: 'src/switch_ivr_originate.c',
    Context: 'default',
    'Channel-Name': name,
    'Profile-Index': '1',
  };
  const variables: Array<[string, string]> = [
    ['direction', 'outbound'],
    ['is_outbound', 'true'],
    ['uuid', uuid],
    ['call_uuid', originator?.uuid ?? uuid],
    ['session_id', core.nextSessionId()],
  ];
  if (endpoint.kind === 'gateway') variables.push(['sip_gateway_name', endpoint.gateway], ['sip_profile_name', 'gateway']);
  else if (endpoint.kind === 'user') {
    // As the vanilla directory's dial-string sets them (checked on FreeSWITCH 1.10.12, docs/extension-legs.md).
    const domain = endpoint.domain ?? core.defaultDomain;
    variables.push(['sip_profile_name', 'internal'], ['dialed_user', number], ['dialed_domain', domain], ['presence_id', `${number}@${domain}`]);
  }
  else variables.push(['sip_profile_name', endpoint.profile]);
  variables.push(
    ['channel_name', name],
    ['sip_destination_url', `sip:${number}@${sipHost(core, endpoint)}`],
    ...vars.entries(),
    ['originate_early_media', 'false'],
    ['originate_endpoint', 'sofia'],
    ...exportedVariables(originator),
  );
  const session = core.createLeg({ uuid, name, direction: 'outbound', profile, createdAt: core.now(), callUuid: originator?.uuid }, variables);
  // Only the B leg knows its originator before the bridge; A learns of B when they meet (capture 05).
  if (originator) session.channel.other = otherLegOf(originator, 'originator');
  return session;
}

type DialledEndpoint = Extract<Endpoint, { number: string }>;

/** A user's leg goes out on the internal profile to where it registered. */
function channelName(core: SwitchCore, endpoint: DialledEndpoint): string {
  switch (endpoint.kind) {
    case 'gateway':
      return `sofia/internal/${endpoint.number}`;
    case 'user':
      return `sofia/internal/${endpoint.number}@${endpoint.domain ?? core.defaultDomain}`;
    case 'profile':
      return `sofia/${endpoint.profile}/${endpoint.number}${endpoint.host ? `@${endpoint.host}` : ''}`;
  }
}

function sipHost(core: SwitchCore, endpoint: DialledEndpoint): string {
  switch (endpoint.kind) {
    case 'gateway':
      return endpoint.gateway;
    case 'user':
      return endpoint.domain ?? core.defaultDomain;
    case 'profile':
      return endpoint.host ?? '127.0.0.1';
  }
}

interface CallerId {
  name: string | undefined;
  number: string;
  origName: string | undefined;
  origNumber: string;
}

/**
 * origination_caller_id_* wins; a B leg otherwise shows A's current caller ID and keeps A's
 * original one as Orig-Caller-ID / ANI (capture 05).
 */
function callerIdFor(request: OriginateRequest, vars: Map<string, string>): CallerId {
  const a = request.originator?.channel;
  const explicitNumber = vars.get('origination_caller_id_number') ?? a?.getVar('effective_caller_id_number');
  const explicitName = vars.get('origination_caller_id_name') ?? a?.getVar('effective_caller_id_name');
  const number = explicitNumber ?? a?.profile['Caller-ID-Number'] ?? request.callerIdNumber ?? DEFAULT_CALLER_ID;
  const name = explicitName ?? a?.profile['Caller-ID-Name'] ?? request.callerIdName;
  if (!a || explicitNumber !== undefined) return { name, number, origName: name, origNumber: number };
  return { name, number, origName: a.profile['Orig-Caller-ID-Name'], origNumber: a.profile['Orig-Caller-ID-Number'] ?? number };
}

/** `export foo=bar` on the A leg sets foo on the legs it originates (`export_vars`). */
function exportedVariables(originator: Channel | undefined): Array<[string, string]> {
  const names = (originator?.getVar('export_vars') ?? '').split(',').filter((n) => n !== '');
  return names.flatMap((n): Array<[string, string]> => {
    const value = originator?.getVar(n);
    return value === undefined ? [] : [[n, value]];
  });
}

/** `originate_timeout` counts whole epoch seconds: a 4 s timeout fired after 3.1 s (capture 02). */
function scheduleTimeout(core: SwitchCore, channel: Channel, request: OriginateRequest, vars: Map<string, string>, report: () => void): { cancel(): void } {
  const fromVar = Number(vars.get('originate_timeout') ?? request.originator?.channel.getVar('call_timeout'));
  const seconds = Number.isFinite(fromVar) && fromVar > 0 ? fromVar : (request.timeoutSec ?? DEFAULT_TIMEOUT_SEC);
  const now = core.now();
  const deadline = (Math.floor(now / 1000) + seconds) * 1000;
  return core.after(deadline - now, () => {
    if (channel.answered || !channel.up) return;
    report();
    core.after(0, () => core.hangup(channel, 'NO_ANSWER', 'timeout'));
  });
}

/** Any SIP response from the far end tells the leg its network address (captures 01, 02). */
function farEndResponded(channel: Channel): void {
  channel.profile['Network-Addr'] = '127.0.0.1';
}

/** The far end's 200 OK: the originating leg sits in CS_CONSUME_MEDIA with call state DOWN (capture 01). */
function answerByFarEnd(core: SwitchCore, channel: Channel, number: string): void {
  if (!channel.up) return;
  channel.profile['Callee-ID-Name'] = number;
  farEndResponded(channel);
  channel.state = 'CS_CONSUME_MEDIA';
  channel.stateNumber = 7;
  channel.setVar('endpoint_disposition', 'ANSWER');
  core.markAnswered(channel);
}

/**
 * An originated leg entering its `&app`: FreeSWITCH flips the caller ID to the dialled number
 * (capture 01: Caller-ID-Number becomes 1000, Callee-ID-Number the old caller ID).
 */
export function enterDialplan(channel: Channel): void {
  const profile = channel.profile;
  const dialled = profile['Destination-Number'];
  profile['Callee-ID-Number'] = profile['Caller-ID-Number'];
  profile['Callee-ID-Name'] = profile['Caller-ID-Name'];
  profile['Caller-ID-Name'] = dialled;
  profile['Caller-ID-Number'] = dialled;
  channel.hitDialplan = true;
  channel.state = 'CS_EXECUTE';
  channel.stateNumber = 4;
  channel.callState = 'ACTIVE';
}
