import type { Command } from 'commander';
import type { ApiKey, IssuedKey } from '../../store';
import type { CliContext } from '../context';
import { notFound } from '../errors';
import { orDash, when } from '../format';
import { findAccount } from '../lookup';
import { integer, text } from '../parsers';
import type { Column } from '../table';
import { accountAccess } from './account-access';

/** What a key's state reads as at `now`: a rotated key in its grace period still works. */
function keyState(key: ApiKey, now: number): string {
  if (key.revokedAt === null) return 'active';
  return key.revokedAt > now ? `stops ${when(key.revokedAt)}` : `revoked ${when(key.revokedAt)}`;
}

const keyId = integer(1, Number.MAX_SAFE_INTEGER);

/** The key once, on its own line for people, beside its record for scripts; never again afterwards. */
function showIssued(ctx: CliContext, { apiKey, plainKey }: IssuedKey, extraJson: Record<string, unknown> = {}): void {
  ctx.out.record(
    [
      ['id', String(apiKey.id)],
      ['account', String(apiKey.accountId)],
      ['label', orDash(apiKey.label)],
      ['key', plainKey],
    ],
    { apiKey, key: plainKey, ...extraJson },
  );
  if (!ctx.out.json) ctx.out.note('The key is shown this once and stored only as a hash: give it to its owner now.');
}

export function registerApiKeys(program: Command, ctx: CliContext): void {
  const keys = program.command('api-keys').description("accounts' keys for the REST API: create, list, rotate, revoke (a key is shown once, stored hashed)");

  keys
    .command('create')
    .description('issue a key for an account; it is printed this once')
    .argument('<account>', 'id or name')
    .option('--label <text>', 'what the key is for, e.g. "billing system"', text(100))
    .action(async (ref: string, options: { label?: string }) => {
      const account = await findAccount(await ctx.store(), ref);
      showIssued(ctx, await (await accountAccess(ctx)).issueKey(account.id, options.label ?? ''));
    });

  keys
    .command('list')
    .description("an account's keys, or every key (the operator's too, marked so); revoked ones included, with their last use")
    .argument('[account]', 'id or name')
    .action(async (ref: string | undefined) => {
      const store = await ctx.store();
      const list = ref === undefined ? await store.apiKeys.listAll() : await store.apiKeys.list((await findAccount(store, ref)).id);
      const now = ctx.now();
      const columns: Column<ApiKey>[] = [
        { header: 'id', value: (k) => String(k.id), numeric: true },
        { header: 'account', value: (k) => (k.accountId === null ? 'operator' : String(k.accountId)), numeric: true },
        { header: 'prefix', value: (k) => k.prefix },
        { header: 'label', value: (k) => orDash(k.label) },
        { header: 'created', value: (k) => when(k.createdAt) },
        { header: 'last used', value: (k) => when(k.lastUsedAt) },
        { header: 'state', value: (k) => keyState(k, now) },
      ];
      ctx.out.list(list, columns);
    });

  keys
    .command('rotate')
    .description('issue a new key for the same account and label; the old one stops after security.rotationGraceSeconds (0: at once)')
    .argument('<id>', 'the key to replace (see `api-keys list`)', keyId)
    .action(async (id: number) => {
      const rotated = await (await accountAccess(ctx)).rotateKey(id);
      if (!rotated) throw notFound(`API key ${id} that still works`);
      showIssued(ctx, rotated.issued, { replaced: rotated.replaced });
      if (!ctx.out.json) ctx.out.note(`Key ${id} (${rotated.replaced.prefix}…) ${keyState(rotated.replaced, ctx.now())}.`);
    });

  keys
    .command('revoke')
    .description('stop a key at once; requests with it are refused (401) and logged')
    .argument('<id>', 'the key (see `api-keys list`)', keyId)
    .action(async (id: number) => {
      const revoked = await (await accountAccess(ctx)).revokeKey(id);
      if (!revoked) throw notFound(`API key ${id}`);
      const { apiKey, alreadyRevoked } = revoked;
      ctx.out.done(alreadyRevoked ? `key ${id} (${apiKey.prefix}…) was already revoked` : `key ${id} (${apiKey.prefix}…) revoked`, apiKey);
    });
}
