import { Command } from 'commander';
import { registerAccessNumbers } from './commands/access-numbers';
import { registerAccounts } from './commands/accounts';
import { registerApiKeys } from './commands/api-keys';
import { registerCallbacks } from './commands/callbacks';
import { registerCallerIds } from './commands/caller-ids';
import { registerCards } from './commands/cards';
import { registerCarriers } from './commands/carriers';
import { registerDiscrepancies } from './commands/discrepancies';
import { registerPayments } from './commands/payments';
import { registerPins } from './commands/pins';
import { registerPortalUsers } from './commands/portal-users';
import { registerQueue } from './commands/queue';
import { registerRates } from './commands/rates';
import { registerReports } from './commands/reports';
import { registerTariffs } from './commands/tariffs';
import { registerTestCall } from './commands/test-call';
import type { CliContext, GlobalOptions } from './context';
import { clearedOptions } from './parsers';

const EXIT_CODES = `
Exit codes:
  0  done
  1  failed at run time (database unreachable, schema not migrated, …)
  2  refused: bad usage, an invalid value (the message names it), a conflict or a state that does not allow it
  3  not found: an account, tariff, DID, card or request named on the command line does not exist

Settings (database, queue) come from the same environment as the service: DATABASE_URL,
REDIS_URL, CALLBACK_* or a JSON file (--config / CALLBACK_CONFIG). See docs/settings.md.`;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('callback')
    .description('Operator commands of the callback service.')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--config <file>', 'JSON settings file (like CALLBACK_CONFIG)')
    .option('--operator <name>', 'who is acting, recorded with payments and in the audit log (default: $USER)')
    // Set before any subcommand exists, so that every subcommand inherits them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.io.stdout.write(text),
      writeErr: (text) => void ctx.io.stderr.write(text),
      outputError: (text, write) => write(ctx.out.json ? `${JSON.stringify({ error: { code: 'usage', message: text.replace(/^error: /, '').trim() } })}\n` : text),
    })
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODES);
  program.hook('preAction', (_program, action) => {
    const options = action.optsWithGlobals<Partial<GlobalOptions>>();
    ctx.configure({ json: options.json === true, config: options.config, operator: options.operator });
  });
  program.hook('preAction', clearedOptions);
  for (const register of [
    registerAccounts,
    registerApiKeys,
    registerPortalUsers,
    registerCallerIds,
    registerPins,
    registerAccessNumbers,
    registerCards,
    registerTariffs,
    registerRates,
    registerCarriers,
    registerPayments,
    registerDiscrepancies,
    registerCallbacks,
    registerQueue,
    registerReports,
    registerTestCall,
  ]) {
    register(program, ctx);
  }
  return program;
}
