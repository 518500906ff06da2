import { z } from 'zod';
import { setting } from './setting-meta';

/* Issue #20: how prices are read on a call's path. */
export const billingSchema = z
  .strictObject({
    rateCacheSeconds: setting(
      z.number().int().min(0).max(3600).default(30),
      "How long a tariff's sell rates, a carrier's name and currency and its buy rates are used from memory before they are read again: the longest a change made by another process (the CLI, another controller) takes to price calls, unless `queue.driver=redis`, where each change is signalled to every controller at once. A change made by the controller itself (the API) applies at once; a buy rate sheet dated ahead takes over at its instant either way. 0 reads them for every call.",
    ),
  })
  .prefault({});

export type BillingSettings = z.infer<typeof billingSchema>;
