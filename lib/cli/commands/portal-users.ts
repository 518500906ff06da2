import type { Command } from 'commander';
import type { PasswordOutcome } from '../../onboarding/account-access';
import type { PortalUser, Store } from '../../store';
import type { CliContext } from '../context';
import { invalid, notFound } from '../errors';
import { when, yesNo } from '../format';
import { findAccount } from '../lookup';
import type { Column } from '../table';
import { accountAccess } from './account-access';

const COLUMNS: Column<PortalUser>[] = [
  { header: 'id', value: (u) => String(u.id), numeric: true },
  { header: 'account', value: (u) => String(u.accountId), numeric: true },
  { header: 'login', value: (u) => u.email },
  { header: 'active', value: (u) => yesNo(u.active) },
  { header: 'created', value: (u) => when(u.createdAt) },
  { header: 'last login', value: (u) => when(u.lastLoginAt) },
];

interface PasswordOptions {
  password?: string;
  generate?: boolean;
}

/** The password to set, or null for one generated; both at once is a contradiction. */
function chosenPassword(options: PasswordOptions): string | null {
  if (options.password !== undefined && options.generate) throw invalid('--password', 'give a password or --generate, not both');
  return options.password ?? null;
}

function withPasswordOptions(command: Command): Command {
  return command
    .option('--password <password>', 'the password (at least 8 characters); beware: it stays in the shell history')
    .option('--generate', 'generate a password and print it this once (the default without --password)');
}

async function findUser(store: Store, login: string): Promise<PortalUser> {
  const user = /^\d+$/.test(login) ? await store.portalUsers.findById(Number(login)) : await store.portalUsers.findByEmail(login);
  if (!user) throw notFound(`portal user ${login}`);
  return user;
}

function showOutcome(ctx: CliContext, verb: string, { user, generatedPassword }: PasswordOutcome): void {
  const json = { user, ...(generatedPassword === null ? {} : { password: generatedPassword }) };
  ctx.out.done(generatedPassword === null ? `${verb} ${user.email}` : `${verb} ${user.email}, password: ${generatedPassword}\n(shown this once: give it to its owner now)`, json);
}

export function registerPortalUsers(program: Command, ctx: CliContext): void {
  const users = program.command('portal-users').description("accounts' web portal logins: create, reset a password, disable, enable, list");

  withPasswordOptions(
    users
      .command('create')
      .description('a portal login (an email) for an account')
      .argument('<account>', 'id or name')
      .argument('<login>', 'the email the subscriber logs in with'),
  ).action(async (ref: string, login: string, options: PasswordOptions) => {
    const password = chosenPassword(options);
    const account = await findAccount(await ctx.store(), ref);
    showOutcome(ctx, 'created', await (await accountAccess(ctx)).createPortalUser(account.id, login, password));
  });

  withPasswordOptions(
    users
      .command('reset-password')
      .description('set a new password; the login\'s open sessions end')
      .argument('<login>', 'email or id'),
  ).action(async (login: string, options: PasswordOptions) => {
    const password = chosenPassword(options);
    const user = await findUser(await ctx.store(), login);
    const outcome = await (await accountAccess(ctx)).resetPassword(user.id, password);
    if (!outcome) throw notFound(`portal user ${login}`);
    showOutcome(ctx, 'new password for', outcome);
  });

  for (const [name, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    users
      .command(name)
      .description(active ? 'let the login log in again' : 'refuse the login and end its open sessions')
      .argument('<login>', 'email or id')
      .action(async (login: string) => {
        const user = await findUser(await ctx.store(), login);
        const changed = await (await accountAccess(ctx)).setPortalUserActive(user.id, active);
        if (!changed) throw notFound(`portal user ${login}`);
        ctx.out.done(`${changed.email} ${active ? 'enabled' : 'disabled'}`, changed);
      });
  }

  users
    .command('list')
    .description("an account's logins, or every account's")
    .argument('[account]', 'id or name')
    .action(async (ref: string | undefined) => {
      const store = await ctx.store();
      const list = ref === undefined ? await store.portalUsers.listAll() : await store.portalUsers.listForAccount((await findAccount(store, ref)).id);
      ctx.out.list(list, COLUMNS);
    });
}
