import cron from 'node-cron';
import { z } from 'zod';
import { setting } from './setting-meta';

const CRON_ALLOWED = 'a node-cron expression, seconds first, such as "*/10 * * * * *"';

/*
 * O5: how soon a dead instance's calls are taken over. A lease outlives its instance by at most
 * leaseSeconds, and the sweep looks for such requests on sweepCron; both bound how long a
 * request can look in progress after its controller died.
 */
export const schedulerSchema = z
  .strictObject({
    leaseSeconds: setting(
      z.number().int().min(1).max(3600).default(120),
      'How long a claim on a request in progress holds without renewal; renewed every third of it by the instance calling for it. After it ran out, the sweep recovers the request.',
    ),
    sweepCron: setting(
      z
        .string()
        .refine((value) => cron.validate(value), { message: `expected ${CRON_ALLOWED}` })
        .default('*/10 * * * * *'),
      'When the sweep runs: it recovers requests whose controller was lost and queues requests due within the next two periods (the longest wait between two runs; 20 s by default) that have no job (their job lost with Redis), so each is queued again before it is due. A slower schedule walks more rows a run; a periodic run stops at four fifths of a period.',
      { allowed: CRON_ALLOWED },
    ),
    dialConcurrency: setting(
      z.number().int().min(1).max(10000).default(200),
      'How many requests this controller claims and sets up at once, from the queue and from orders due now (a dial is counted until its first originate is sent). Carrier and node limits pace the calls themselves; this only bounds the work in flight. Below the due rate times a dial\'s set-up time, due requests wait in the queue (issue #20: 50 handlers capped the scheduler near 1,400 due/s).',
    ),
    stopGraceSeconds: setting(
      z.number().int().min(0).max(600).default(5),
      'On a clean stop (SIGTERM, SIGINT): how long to wait for calls still being set up (ringing, in the IVR) to reach their talk or end. Talks are handed over at once, and so is whatever is still being set up after this; keep it below the supervisor\'s stop timeout (docker stop: 10 s).',
    ),
  })
  .prefault({});

export type SchedulerSettings = z.infer<typeof schedulerSchema>;
