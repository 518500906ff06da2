import { Option, type Command } from 'commander';
import { TARIFF_KINDS, type Tariff, type TariffKind } from '../../store';
import type { CliContext } from '../context';
import { when } from '../format';
import { findTariff } from '../lookup';
import { text } from '../parsers';
import type { Column } from '../table';

const COLUMNS: Column<Tariff>[] = [
  { header: 'id', value: (t) => String(t.id), numeric: true },
  { header: 'name', value: (t) => t.name },
  { header: 'kind', value: (t) => t.kind },
  { header: 'currency', value: (t) => t.currency },
  { header: 'created', value: (t) => when(t.createdAt) },
];

export function registerTariffs(program: Command, ctx: CliContext): void {
  const tariffs = program.command('tariffs').description('tariffs: retail for leg B, callback for where leg A may be dialed; rates with `rates`');

  tariffs
    .command('list')
    .action(async () => {
      ctx.out.list(await (await ctx.store()).tariffs.listTariffs(), COLUMNS);
    });

  tariffs
    .command('show')
    .argument('<tariff>', 'id or name')
    .action(async (ref: string) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const rates = (await store.tariffs.listRates(tariff.id)).length;
      ctx.out.record([...COLUMNS.map((column) => [column.header, column.value(tariff)] as const), ['rates', String(rates)]], { ...tariff, rates });
    });

  tariffs
    .command('create')
    .requiredOption('--name <name>', 'unique name', text(100))
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
    .addOption(new Option('--kind <kind>', 'what it prices').choices(TARIFF_KINDS).default('retail'))
    .action(async (options: { name: string; currency: string; kind: TariffKind }) => {
      const store = await ctx.store();
      const tariff = await store.tariffs.createTariff({ name: options.name, currency: options.currency.toUpperCase(), kind: options.kind });
      await ctx.audit('tariff_created', { details: { tariffId: tariff.id, name: tariff.name } });
      ctx.out.done(`tariff ${tariff.name} created with id ${tariff.id}`, tariff);
    });

  tariffs
    .command('remove')
    .description('delete a tariff and its rates; accounts using it are left without one')
    .argument('<tariff>', 'id or name')
    .action(async (ref: string) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      await store.tariffs.removeTariff(tariff.id);
      await ctx.audit('tariff_removed', { details: { tariffId: tariff.id, name: tariff.name } });
      ctx.out.done(`tariff ${tariff.name} removed`, { ...tariff, removed: true });
    });
}
