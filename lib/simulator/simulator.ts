import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import winston from 'winston';
import type { HangupCause } from '../esl/hangup-causes';
import { hangupCauseInfo } from '../esl/hangup-causes';
import type { EslEvent } from '../esl/wire';
import { systemClock } from '../time/clock';
import type { ChannelView } from './channel';
import { CdrPoster, type CdrTarget } from './cdr-poster';
import { SwitchCore } from './core';
import { jsonCdrOf } from './json-cdr';
import { InboundListener } from './inbound-listener';
import { DTMF_INTERVAL_MS } from './dtmf-schedule';
import { inCallScript, PhoneBook } from './phones';
import type { PlanStep } from './session';
import { DEFAULT_RACES, type ConnectionInfo, type InboundCallOptions, type PhoneScript, type SimulatorOptions } from './types';

function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** `sim.on('command', (connection, line) => …)` sees every command a client sends; 'event' every event fired. */
export interface SimulatorEvents {
  command: [connection: ConnectionInfo, line: string];
  event: [event: EslEvent];
}

/**
 * A FreeSWITCH stand-in that speaks the Event Socket protocol on real TCP ports: an inbound
 * listener (auth, api, bgapi, events, sendmsg…), calls to scripted phones, and outbound socket
 * connections to our controller. See README.md for what it models and what it does not.
 */
export class FreeswitchSimulator extends EventEmitter<SimulatorEvents> {
  private poster: CdrPoster | undefined;

  private constructor(
    private readonly core: SwitchCore,
    private readonly listener: InboundListener,
  ) {
    super();
    core.onCommand = (connection, line) => this.emit('command', connection, line);
    core.onEvent = (event) => this.emit('event', event);
    core.watchingEvents = () => this.listenerCount('event') > 0;
    core.onReported = (channel) => this.poster?.post(channel.uuid, jsonCdrOf(channel, core.config.identity));
    core.reportsFirst = () => this.poster?.postsBeforeHangupComplete ?? false;
  }

  /**
   * From now on, every leg that ends is posted as mod_json_cdr would post it (in the background,
   * retried like it); undefined stops posting. The service points this at its own endpoint once
   * its HTTP port is known.
   */
  postCdrsTo(target: CdrTarget | undefined): void {
    this.poster?.close();
    this.poster = target && new CdrPoster(target, this.core.config.clock, this.core.logger);
  }

  /** CDR posts under way or waiting to be retried (`retrying`), and a promise for when there are none. */
  get cdrPosts(): { readonly pending: number; readonly retrying: number; idle(): Promise<void> } {
    const poster = this.poster;
    return { pending: poster?.pending ?? 0, retrying: poster?.retrying ?? 0, idle: () => poster?.idle() ?? Promise.resolve() };
  }

  static async start(options: SimulatorOptions = {}): Promise<FreeswitchSimulator> {
    const core = new SwitchCore({
      identity: { coreUuid: randomUUID(), hostname: options.hostname ?? 'fs1', ipv4: '127.0.0.1', ipv6: '::1' },
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger(),
      gateways: options.gateways ?? ['carrier'],
      phones: new PhoneBook(options.defaultPhone),
      defaultPlaybackMs: options.defaultPlaybackMs ?? 1000,
      fileDurations: options.fileDurations ?? {},
      missingFiles: new Set(options.missingFiles),
      lingerNotice: options.lingerNotice ?? 'after-unpark',
      dtmfIntervalMs: options.dtmfIntervalMs ?? DTMF_INTERVAL_MS,
      races: { ...DEFAULT_RACES, ...options.races },
    });
    const listener = await InboundListener.listen(core, {
      host: options.eslHost ?? '127.0.0.1',
      port: options.eslPort ?? 0,
      password: options.password ?? 'ClueCon',
    });
    const sim = new FreeswitchSimulator(core, listener);
    if (options.cdr) sim.postCdrsTo(options.cdr);
    return sim;
  }

  get eslPort(): number {
    return this.listener.port;
  }

  /**
   * The phone at a dialled number (digits after the gateway; a leading + is ignored). With a list,
   * each originate or bridge to the number takes the next behaviour and the last one repeats
   * (`[busy, busy, answer]`: two busy attempts, then it answers every time).
   */
  setPhone(number: string, behaviour: PhoneScript): void {
    this.core.phones.set(number, behaviour);
  }

  /**
   * Takes a gateway down (every originate or bridge through it fails with `cause`, no channel
   * made, as mod_sofia does for a gateway whose ping failed) or, with undefined, up again.
   */
  setGatewayDown(gateway: string, cause: HangupCause | undefined = 'GATEWAY_DOWN'): void {
    this.core.setGatewayDown(gateway, cause);
  }

  /**
   * Puts a user in the node's directory, registered (or, with false, not registered now):
   * `user/<extension>@<domain>` then rings the phone set for `extension`; an unregistered one fails
   * with USER_NOT_REGISTERED, a user never put in the directory with SUBSCRIBER_ABSENT, both without
   * a channel, as FreeSWITCH 1.10.12 does. Without a domain, the node's default one (its IPv4 address,
   * as the `domain` variable of vanilla FreeSWITCH).
   */
  registerUser(extension: string, domain: string = this.core.defaultDomain, registered = true): void {
    this.core.setRegistered(extension, domain, registered);
  }

  /**
   * A subscriber calls the access number: an unanswered inbound leg (context public) that runs
   * `socket host:port async full` toward our outbound-socket server, as in capture 04.
   */
  async placeInboundCall(options: InboundCallOptions): Promise<string> {
    const core = this.core;
    const uuid = options.uuid ?? randomUUID();
    const cid = options.callerIdNumber;
    const name = `sofia/internal/${cid}@127.0.0.1`;
    const profile = {
      Direction: 'inbound',
      'Logical-Direction': 'inbound',
      Username: cid,
      Dialplan: 'XML',
      'Caller-ID-Name': options.callerIdName ?? cid,
      'Caller-ID-Number': cid,
      'Orig-Caller-ID-Name': options.callerIdName ?? cid,
      'Orig-Caller-ID-Number': cid,
      'Network-Addr': '127.0.0.1',
      ANI: cid,
      'Destination-Number': options.destination,
      'Unique-ID': uuid,
      Source: 'mod_sofia',
      Context: 'public',
      'Channel-Name': name,
      'Profile-Index': '1',
    } as const;
    const variables: Array<[string, string]> = [
      ['direction', 'inbound'],
      ['uuid', uuid],
      ['session_id', core.nextSessionId()],
      ['sip_from_user', cid],
      ['sip_from_uri', `${cid}@127.0.0.1`],
      ['sip_from_host', '127.0.0.1'],
      ['channel_name', name],
      ['sip_call_id', randomUUID()],
      ['sip_network_ip', '127.0.0.1'],
      ['sip_network_port', '5080'],
      ['sofia_profile_name', 'internal'],
      ['sip_req_user', options.destination],
      ['sip_req_uri', `${options.destination}@127.0.0.1:5060`],
      ['sip_to_user', options.destination],
      ['sip_to_uri', `${options.destination}@127.0.0.1:5060`],
      ['call_uuid', uuid],
    ];
    if (core.channel(uuid)) throw new Error(`a channel ${uuid} already exists`);
    const session = core.createLeg({ uuid, name, direction: 'inbound', profile: { ...profile }, createdAt: core.now() }, variables);
    const channel = session.channel;
    const phone = core.phones.has(cid) ? inCallScript(core.phones.get(cid)) : {};
    session.farEnd = { dtmf: options.caller?.dtmf ?? phone.dtmf, hangupAfterMs: options.caller?.hangupAfterMs ?? phone.hangupAfterMs };
    core.emit('CHANNEL_CREATE', channel);
    channel.state = 'CS_EXECUTE';
    channel.stateNumber = 4;
    channel.callState = 'RINGING';
    channel.hitDialplan = true;
    const abandon = options.caller?.abandonAfterMs;
    if (abandon !== undefined) {
      const timer = core.after(abandon, () => {
        if (!channel.answered) core.hangup(channel, 'ORIGINATOR_CANCEL', 'remote-cancel');
      });
      session.hangupHooks.push(() => timer.cancel());
    }
    const flags = [options.socket.async === false ? '' : 'async', options.socket.full === false ? '' : 'full'].filter((f) => f !== '');
    const plan: PlanStep[] = [{ app: 'socket', arg: [`${options.socket.host}:${options.socket.port}`, ...flags].join(' ') }];
    if (options.answered) plan.unshift({ app: 'answer', arg: '' });
    void session.run(plan);
    return uuid;
  }

  /** A live channel, or one that ended recently; undefined if unknown. */
  channel(uuid: string): ChannelView | undefined {
    return this.core.anyChannel(uuid)?.view();
  }

  channels(): ChannelView[] {
    return this.core.sessions().map((s) => s.channel.view());
  }

  /** The UUIDs of a conference's members, in the order they joined; undefined when there is no such room. */
  conferenceMembers(name: string): string[] | undefined {
    return this.core.conferences.get(name)?.members.map((m) => m.session.channel.uuid);
  }

  /** The far end of this leg hangs up (BYE; CANCEL or a refusal before answer). */
  hangup(uuid: string, cause: HangupCause = 'NORMAL_CLEARING'): boolean {
    const channel = this.core.channel(uuid);
    if (!channel?.up) return false;
    if (channel.answered) this.core.hangup(channel, cause, 'remote-bye');
    else if (channel.direction === 'inbound') this.core.hangup(channel, cause, 'remote-cancel');
    else this.core.hangup(channel, cause, 'remote-refuse', hangupCauseInfo(cause).sip);
    return true;
  }

  /** The phone on this leg presses keys. */
  sendDtmf(uuid: string, digits: string): boolean {
    const channel = this.core.channel(uuid);
    if (!channel?.up) return false;
    this.core.pressDigits(channel, digits);
    return true;
  }

  async stop(): Promise<void> {
    this.poster?.close();
    this.core.shutdown();
    await this.listener.close();
    this.removeAllListeners();
  }
}
