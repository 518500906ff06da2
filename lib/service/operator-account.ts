import type { Knex } from 'knex';
import { createStore } from '../store';

/**
 * The account that pays leg A of callers nobody could identify (A6). Operators create it once
 * (`npm run cli -- accounts create --name "Operator callback" …`, with the callback tariff), and
 * the demo seed creates it in development; the service refuses to start without it rather than
 * lose those legs' cost.
 */
export const OPERATOR_ACCOUNT_NAME = 'Operator callback';

export class MissingOperatorAccount extends Error {
  constructor() {
    super(
      `no account named "${OPERATOR_ACCOUNT_NAME}": it pays leg A of unidentified callers (A6). ` +
        `Create it with: npm run -s cli -- accounts create --name "${OPERATOR_ACCOUNT_NAME}" --currency USD`,
    );
    this.name = 'MissingOperatorAccount';
  }
}

export async function operatorAccountId(db: Knex): Promise<number> {
  const account = await createStore(db).accounts.findByName(OPERATOR_ACCOUNT_NAME);
  if (!account) throw new MissingOperatorAccount();
  return account.id;
}
