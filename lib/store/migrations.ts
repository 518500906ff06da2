import type { Knex } from 'knex';
import * as accountsAndTariffs from '../../db/migrations/001_accounts_and_tariffs';
import * as callbacks from '../../db/migrations/002_callbacks';
import * as moneyAndContent from '../../db/migrations/003_money_and_content';
import * as security from '../../db/migrations/004_security';
import * as portalUsers from '../../db/migrations/005_portal_users';
import * as freeswitchCdrs from '../../db/migrations/006_freeswitch_cdrs';
import * as portalLoginLockout from '../../db/migrations/007_portal_login_lockout';
import * as faxResults from '../../db/migrations/008_fax_results';
import * as cardHolds from '../../db/migrations/009_card_holds';
import * as billingAdjustments from '../../db/migrations/010_billing_adjustments';
import * as rateLimitWindows from '../../db/migrations/011_rate_limit_windows';
import * as holdKeys from '../../db/migrations/012_hold_keys';
import * as billingDiscrepancies from '../../db/migrations/013_billing_discrepancies';
import * as callerIdVerification from '../../db/migrations/014_caller_id_verification';
import * as carriers from '../../db/migrations/015_carriers';
import * as apiKeyUse from '../../db/migrations/017_api_key_use';
import * as smsTextToSend from '../../db/migrations/019_sms_text_to_send';
import * as requestsByAccountState from '../../db/migrations/020_requests_by_account_state';

export interface NamedMigration {
  /** Recorded in knex_migrations: never rename one that has shipped. */
  name: string;
  migration: Knex.Migration;
}

/**
 * Migrations are listed by import rather than found on disk, so the same list runs under jest
 * (TypeScript) and from dist/ (JavaScript) without any file-extension configuration. Append new
 * ones at the end.
 */
export const migrations: readonly NamedMigration[] = [
  { name: '001_accounts_and_tariffs', migration: accountsAndTariffs },
  { name: '002_callbacks', migration: callbacks },
  { name: '003_money_and_content', migration: moneyAndContent },
  { name: '004_security', migration: security },
  { name: '005_portal_users', migration: portalUsers },
  { name: '006_freeswitch_cdrs', migration: freeswitchCdrs },
  { name: '007_portal_login_lockout', migration: portalLoginLockout },
  { name: '008_fax_results', migration: faxResults },
  { name: '009_card_holds', migration: cardHolds },
  { name: '010_billing_adjustments', migration: billingAdjustments },
  { name: '011_rate_limit_windows', migration: rateLimitWindows },
  { name: '012_hold_keys', migration: holdKeys },
  { name: '013_billing_discrepancies', migration: billingDiscrepancies },
  { name: '014_caller_id_verification', migration: callerIdVerification },
  { name: '015_carriers', migration: carriers },
  { name: '017_api_key_use', migration: apiKeyUse },
  { name: '019_sms_text_to_send', migration: smsTextToSend },
  { name: '020_requests_by_account_state', migration: requestsByAccountState },
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (entry) => entry.name,
  getMigration: (entry) => Promise.resolve(entry.migration),
};
