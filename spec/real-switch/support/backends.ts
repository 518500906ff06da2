import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InboundClient } from '../../../lib/esl/inbound-client';
import type { EslEvent } from '../../../lib/esl/wire';
import { testLogger } from '../../../lib/log/logger';
import { startService, type RunningService } from '../../../lib/service/start-service';
import type { PhoneScript } from '../../../lib/simulator/types';
import { freePort } from '../../support/ports';
import { embeddedServiceSettings } from '../../support/service-settings';
import { FreeswitchProcess } from './freeswitch-process';
import { switchEnvironment, writeSwitchConf, type SwitchPorts } from './switch-conf';
import { worldEntries } from './world-phones';

const REPO = resolve(__dirname, '../../..');

/**
 * The service under test on one kind of switch. The scenarios (scenarios.ts) use only this, so the
 * same test with the same assertions runs on the simulator and on FreeSWITCH: a divergence between
 * the two shows as one of a pair failing.
 */
export interface SwitchUnderTest {
  readonly kind: 'simulator' | 'freeswitch';
  readonly service: RunningService;
  /** The service's HTTP base URL. */
  readonly base: string;
  /** What the phone at `number` does on the calls our legs place to it. */
  setPhone(number: string, script: PhoneScript): Promise<void>;
  /** A call from `callerId` to the access number `did` arriving from the carrier (the access dialplan's socket). */
  callAccessNumber(callerId: string, did: string): Promise<void>;
  /** Every event the switch sent to an observer connection of the test's own (PLAYBACK_STOP, …). */
  readonly events: EslEvent[];
  stop(): Promise<void>;
}

/** What both switches are given: short rings and retries, a Busy IVR, so a scenario takes seconds. */
export function scenarioSettings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CALLBACK_CALLBACK_WAIT_TIME_SECONDS: '5',
    CALLBACK_CALLBACK_MAX_RETRIES: '1',
    CALLBACK_CALLBACK_RETRY_INTERVAL_SECONDS: '5',
    CALLBACK_CALLBACK_BUSY_IVR: 'callback/busy',
    CALLBACK_CALLBACK_FAILED_IVR: 'callback/failed',
    CALLBACK_CALLBACK_MAX_CONCURRENT_PER_ACCOUNT: '20',
    ...extra,
  };
}

const OBSERVED_EVENTS = ['PLAYBACK_START', 'PLAYBACK_STOP', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'DTMF', 'RECORD_STOP'];

async function observer(name: string, port: number, password: string, deadlineMs: number): Promise<{ client: InboundClient; events: EslEvent[] }> {
  const client = new InboundClient({ name, host: '127.0.0.1', port, password, logger: testLogger(), events: OBSERVED_EVENTS, backoff: { initialMs: 100, maxMs: 300 } });
  const events: EslEvent[] = [];
  client.on('event', (event) => events.push(event));
  await client.connect({ timeoutMs: deadlineMs });
  return { client, events };
}

export async function simulatorUnderTest(extra: Record<string, string> = {}): Promise<SwitchUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'callback-pair-sim-'));
  const service = await startService(embeddedServiceSettings(dir, { ...scenarioSettings(extra), CALLBACK_MEDIA_ROOT: join(dir, 'media') }), testLogger());
  const sim = service.telephony.simulator!;
  const { client, events } = await observer('observer', sim.eslPort, 'ClueCon', 5000);
  return {
    kind: 'simulator',
    service,
    base: `http://127.0.0.1:${service.httpPort}`,
    events,
    setPhone: (number, script) => Promise.resolve(sim.setPhone(number, script)),
    async callAccessNumber(callerId, did) {
      await sim.placeInboundCall({ destination: did, callerIdNumber: callerId, socket: service.telephony.socketAddress });
    },
    async stop() {
      await client.close();
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A block of RTP ports for this switch: 200 ports, 100 calls. */
function rtpBlock(): { rtpStart: number; rtpEnd: number } {
  const start = 20_000 + 200 * Math.floor(Math.random() * 50);
  return { rtpStart: start, rtpEnd: start + 199 };
}

/** A FreeSWITCH under test and what a controller needs to drive it. */
export interface RealSwitch {
  readonly root: string;
  readonly ports: SwitchPorts;
  readonly httpPort: number;
  /** The controller's settings for this switch (CALLBACK_*), on top of the embedded defaults. */
  readonly controllerEnv: Record<string, string>;
  readonly observer: InboundClient;
  readonly events: EslEvent[];
  setPhone(number: string, script: PhoneScript): Promise<void>;
  callAccessNumber(callerId: string, did: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * FreeSWITCH started on the project's own freeswitch-conf/ (plus the test carrier), its ports
 * chosen for the controller that will drive it (CONTROLLER_SOCKET and CDR_URL name them), the
 * prompts spoken by scripts/make-prompts.sh. Resolves once its event socket takes a login.
 */
export async function startRealSwitch(options: { accessNumbers?: string[] } = {}): Promise<RealSwitch> {
  const root = mkdtempSync(join(tmpdir(), 'callback-real-switch-'));
  const ports: SwitchPorts = { esl: await freePort(), sip: await freePort(), worldSip: await freePort(), phonesSip: await freePort(), ...rtpBlock() };
  const httpPort = await freePort();
  const socketPort = await freePort();
  const eslPassword = randomBytes(12).toString('hex');
  const cdrSecret = randomBytes(16).toString('hex');
  const prompts = join(root, 'prompts');
  execFileSync(join(REPO, 'scripts/make-prompts.sh'), [prompts], { stdio: 'ignore' });
  mkdirSync(join(root, 'conf'), { recursive: true });
  writeSwitchConf(join(root, 'conf'), join(REPO, 'freeswitch-conf'), ports);
  const fs = FreeswitchProcess.start(
    root,
    switchEnvironment({
      ports,
      eslPassword,
      controllerSocket: `127.0.0.1:${socketPort}`,
      cdrUrl: `http://127.0.0.1:${httpPort}/freeswitch/json-cdr`,
      cdrSecret,
      accessNumbers: options.accessNumbers ?? ['+12125550000'],
    }),
  );
  let client: InboundClient | undefined;
  const stop = async (): Promise<void> => {
    await client?.close();
    await fs.stop();
    // KEEP_REAL_SWITCH=1 keeps the folder (configuration, FreeSWITCH's log, recordings) to look into a failure.
    if (process.env.KEEP_REAL_SWITCH === '1') console.error(`real switch kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
  try {
    // FreeSWITCH takes a few seconds to load; its event socket answering is the sign it is up.
    const watched = await observer('observer', ports.esl, eslPassword, 30_000);
    client = watched.client;
    const api = client;
    return {
      root,
      ports,
      httpPort,
      controllerEnv: {
        ...scenarioSettings(),
        CALLBACK_HTTP_PORT: String(httpPort),
        CALLBACK_SOCKET_SERVER_PORT: String(socketPort),
        CALLBACK_FREESWITCH_MODE: 'external',
        CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: '127.0.0.1', port: ports.esl, password: eslPassword, gateways: ['carrier'] }]),
        CALLBACK_FREESWITCH_PROMPTS_DIR: prompts,
        CALLBACK_SECURITY_CDR_SECRET: cdrSecret,
        CALLBACK_MEDIA_ROOT: join(root, 'media'),
      },
      observer: api,
      events: watched.events,
      async setPhone(number, script) {
        // A fresh count of calls to the number; "Not found" is a number never called.
        await api.api(`hash delete/world_calls/${number.replace(/^\+/, '')}`).catch(() => undefined);
        for (const entry of worldEntries(number, script)) await api.api(`hash insert/world/${entry.key}/${entry.value}`);
      },
      async callAccessNumber(callerId, did) {
        // The test carrier calls our profile; the call is refused unanswered, so the originate fails (USER_BUSY).
        await api.api(`originate {origination_caller_id_number=${callerId}}sofia/world/${did}@127.0.0.1:${ports.sip} &park()`, { timeoutMs: 15_000 }).catch(() => undefined);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The real service (startService) in this process, driving a FreeSWITCH of its own over ESL. */
export async function freeswitchUnderTest(extra: Record<string, string> = {}): Promise<SwitchUnderTest> {
  const rs = await startRealSwitch();
  try {
    const service = await startService(embeddedServiceSettings(rs.root, { ...rs.controllerEnv, ...extra }), testLogger());
    return {
      kind: 'freeswitch',
      service,
      base: `http://127.0.0.1:${rs.httpPort}`,
      events: rs.events,
      setPhone: (number, script) => rs.setPhone(number, script),
      callAccessNumber: (callerId, did) => rs.callAccessNumber(callerId, did),
      async stop() {
        await service.stop();
        await rs.stop();
      },
    };
  } catch (error) {
    await rs.stop();
    throw error;
  }
}
