import type { Logger } from '../log/logger';
import type { Account } from '../store/accounts';
import type { JsonObject } from '../store/rows';
import type { BadOverride } from './resolve';

/** An account's overrides: its settings JSON, and its language column (what its portal speaks too) unless the JSON names one. */
export function accountLayer(account: Account): JsonObject {
  return { language: account.language, ...account.settings };
}

/** A bad override is skipped, never fatal; this is the log line that tells the operator. */
export function logBadOverrides(logger: Logger, bad: readonly BadOverride[]): void {
  for (const { layer, key, value, problem } of bad) logger.warn('ignoring a bad setting override', { layer, key, value, problem });
}
