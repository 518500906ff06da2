/** Where the durable state lives; defined (and validated) by the settings schema. */
export type { DatabaseSettings } from '../config/schema';
