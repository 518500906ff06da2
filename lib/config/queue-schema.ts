import { z } from 'zod';
import { setting } from './setting-meta';
import { urlSchema } from './value-schemas';

const REDIS_URL_ALLOWED = 'a redis:// or rediss:// URL such as redis://127.0.0.1:6379/0';

const memory = z.strictObject({ driver: z.literal('memory') });

const redis = z.strictObject({
  driver: z.literal('redis'),
  url: setting(urlSchema({ protocols: ['redis:', 'rediss:'], allowed: REDIS_URL_ALLOWED }), 'Redis server for the BullMQ queues.', {
    allowed: REDIS_URL_ALLOWED,
  }),
  prefix: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_:-]+$/)
      .default('callback'),
    'Key prefix, so several deployments can share one Redis.',
    { allowed: 'letters, digits, _, - and :' },
  ),
});

export const queueSchema = setting(
  z.discriminatedUnion('driver', [memory, redis]).prefault({ driver: 'memory' }),
  'Where scheduled and retry jobs wait: `memory` (in-process, lost on restart; embedded mode) or `redis` (BullMQ, shared and durable).',
);

export type QueueSettings = z.infer<typeof queueSchema>;
