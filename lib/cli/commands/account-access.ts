import { AccountAccess } from '../../onboarding/account-access';
import type { CliContext } from '../context';

/** The operator's hand-outs (keys, logins), audited as done through the CLI by `--operator`. */
export async function accountAccess(ctx: CliContext): Promise<AccountAccess> {
  const store = await ctx.store();
  const graceMs = ctx.settings().security.rotationGraceSeconds * 1000;
  return new AccountAccess(store, (reason, accountId, details) => ctx.audit(reason, { accountId, details }), graceMs);
}
