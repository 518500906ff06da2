import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { basicCredentialsMatch, CDR_USER } from '../cdr/basic-auth';
import { JSON_CDR_CONTENT_TYPES, readJsonCdrBody } from '../cdr/json-cdr-body';
import type { CdrReceiver } from '../cdr/receiver';
import type { Logger } from '../log/logger';

/** Where FreeSWITCH's mod_json_cdr posts (freeswitch-conf/autoload_configs/json_cdr.conf.xml). */
export const FREESWITCH_CDR_PATH = '/freeswitch/json-cdr';

/** A CDR with every variable and the call flow runs to tens of kB; far more is not a CDR. */
const BODY_LIMIT = '1mb';

export interface FreeswitchCdrRouteDependencies {
  receiver: Pick<CdrReceiver, 'receive'>;
  /** The password of `cred` (user `freeswitch`). */
  secret: string;
  logger: Logger;
  /** Told every refusal (a metric); the receiver counts the rest. */
  countRefusal?: (outcome: 'unauthorized' | 'invalid') => void;
}

/**
 * B4: POST /freeswitch/json-cdr?uuid=<leg>. Mount it before the app's JSON parser: it reads the
 * raw body itself, in any of mod_json_cdr's three encodings.
 *
 * mod_json_cdr retries whatever is not 2xx (`retries` more times, `delay` seconds apart), then
 * writes the CDR to its err-log-dir. So the answers are:
 * - 200: stored (also for a leg received before, or one that is not ours): FreeSWITCH is done;
 * - 401 (wrong `cred`) and 400 (a body we cannot read, with the reason): FreeSWITCH tries a few
 *   more times, a bounded number, then keeps the CDR on disk for the operator, instead of us
 *   answering 200 and the CDR being lost;
 * - 500: our failure (the database is away): the retries are what brings the CDR in once we are back.
 */
export function freeswitchCdrRouter(deps: FreeswitchCdrRouteDependencies): Router {
  const router = Router();
  const raw = express.raw({ type: [...JSON_CDR_CONTENT_TYPES], limit: BODY_LIMIT });
  router.post('/', authenticate(deps), raw, async (req: Request, res: Response, next: NextFunction) => {
    const queryUuid = typeof req.query.uuid === 'string' ? req.query.uuid : undefined;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const reading = readJsonCdrBody(req.get('content-type'), body, queryUuid);
    if (!reading.ok) {
      deps.countRefusal?.('invalid');
      deps.logger.warn('refused a FreeSWITCH CDR that cannot be read', { legUuid: queryUuid, problem: reading.problem, bytes: body.length });
      res.status(400).json({ error: { code: 'invalid_cdr', message: reading.problem } });
      return;
    }
    try {
      const outcome = await deps.receiver.receive(reading.cdr);
      res.status(200).json({ legUuid: reading.cdr.legUuid, outcome });
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function authenticate(deps: FreeswitchCdrRouteDependencies) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (basicCredentialsMatch(req.get('authorization'), CDR_USER, deps.secret)) {
      next();
      return;
    }
    deps.countRefusal?.('unauthorized');
    deps.logger.warn('refused a FreeSWITCH CDR post with wrong or missing credentials', {
      remoteAddress: req.socket.remoteAddress,
      legUuid: typeof req.query.uuid === 'string' ? req.query.uuid.slice(0, 64) : undefined,
      credentials: req.get('authorization') === undefined ? 'missing' : 'wrong',
    });
    res.set('WWW-Authenticate', 'Basic realm="freeswitch-cdr"').status(401).json({ error: { code: 'unauthorized', message: 'wrong or missing credentials (json_cdr.conf.xml cred)' } });
  };
}
