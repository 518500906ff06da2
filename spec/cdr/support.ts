import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { CDR_USER, CdrReceiver, basicAuthorization, type CdrPostOutcome, type CdrReceiverDependencies } from '../../lib/cdr';
import type { ReportedCdr } from '../../lib/cdr/json-cdr-body';
import { createHttpApp } from '../../lib/http/app';
import { FREESWITCH_CDR_PATH, freeswitchCdrRouter } from '../../lib/http/freeswitch-cdr';
import type { Logger } from '../../lib/log/logger';

export const CDR_SECRET = 'cdr-secret-for-tests-0123456789';
export const AUTHORIZATION = basicAuthorization(CDR_USER, CDR_SECRET);
/** What the simulator is given as json_cdr.conf.xml's `cred`. */
export const CRED = `${CDR_USER}:${CDR_SECRET}`;

export interface CdrApp {
  readonly app: Express;
  /** Every outcome, the route's refusals included, in order. */
  readonly outcomes: CdrPostOutcome[];
  /** Posts wait here until opened (to let the socket's settlement land first). */
  readonly gate: { open(): void };
  readonly receiver: CdrReceiver;
}

/** The real HTTP app with the CDR route mounted as the service mounts it. */
export function cdrApp(deps: Omit<CdrReceiverDependencies, 'count'> & { logger: Logger; gated?: boolean }): CdrApp {
  const outcomes: CdrPostOutcome[] = [];
  const count = (outcome: CdrPostOutcome): void => void outcomes.push(outcome);
  // No grace unless a test asks for one: most tests step a manual clock and expect a settled answer at once.
  const receiver = new CdrReceiver({ socketEndGraceMs: 0, ...deps, count });
  let open!: () => void;
  const opened = deps.gated ? new Promise<void>((resolve) => (open = resolve)) : Promise.resolve();
  const gated = { receive: async (cdr: ReportedCdr) => opened.then(() => receiver.receive(cdr)) };
  const router = freeswitchCdrRouter({ receiver: gated, secret: CDR_SECRET, logger: deps.logger, countRefusal: count });
  const app = createHttpApp({ logger: deps.logger, readiness: [], routers: [{ path: FREESWITCH_CDR_PATH, router, rawBody: true }] });
  return { app, outcomes, gate: { open: () => open?.() }, receiver };
}

/** Serves the app (on a free port unless given one), for the simulator to post to. */
export async function serve(app: Express, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${FREESWITCH_CDR_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A CDR as mod_json_cdr builds it (every variable a string), for a leg that talked `billsec` seconds. */
export function sampleCdr(options: { uuid?: string; billsec?: number; cause?: string; answeredAt?: number; variables?: Record<string, string> } = {}): Record<string, unknown> {
  const uuid = options.uuid ?? randomUUID();
  const answeredAt = options.answeredAt ?? 1_700_000_000_000;
  const billsec = options.billsec ?? 42;
  const us = (ms: number): string => String(ms * 1000);
  return {
    'core-uuid': randomUUID(),
    switchname: 'fs1',
    channel_data: { state: 'CS_REPORTING', direction: 'outbound', state_number: '11', flags: '', caps: '' },
    variables: {
      uuid,
      direction: 'outbound',
      hangup_cause: options.cause ?? 'NORMAL_CLEARING',
      billsec: String(billsec),
      start_uepoch: us(answeredAt - 3_000),
      answer_uepoch: us(answeredAt),
      end_uepoch: us(answeredAt + billsec * 1000 + 400),
      ...options.variables,
    },
    callflow: { caller_profile: { uuid }, times: { answered_time: us(answeredAt) } },
  };
}
