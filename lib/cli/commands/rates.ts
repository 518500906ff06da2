import type { Command } from 'commander';
import { isExtension } from '../../domain/call-endpoint';
import { EXTENSION_RATE_PREFIX } from '../../domain/rate-prefix';
import type { Rate, Store } from '../../store';
import type { CliContext } from '../context';
import { invalid, notFound, refused } from '../errors';
import { amount } from '../format';
import { findTariff } from '../lookup';
import { formatRate, formatRateCsv, parseRateCells, type RateColumn } from '../rate-csv';
import { readRateFile, writeRateFile } from '../rate-file';
import type { Column } from '../table';

/** A rate's terms, sell (a tariff's) or buy (a carrier's): the columns both listings show. */
export const RATE_COLUMNS: Column<Pick<Rate, 'prefix' | 'description' | 'ratePerMinute' | 'connectionFeeMinor' | 'incrementFirstSeconds' | 'incrementNextSeconds' | 'minimumSeconds'>>[] = [
  { header: 'prefix', value: (r) => r.prefix },
  { header: 'description', value: (r) => r.description },
  { header: 'per minute', value: (r) => formatRate(r.ratePerMinute), numeric: true },
  { header: 'connection fee', value: (r) => amount(r.connectionFeeMinor), numeric: true },
  { header: 'increments', value: (r) => `${r.incrementFirstSeconds}/${r.incrementNextSeconds}` },
  { header: 'minimum', value: (r) => String(r.minimumSeconds), numeric: true },
];

export function registerRates(program: Command, ctx: CliContext): void {
  const rates = program.command('rates').description("a tariff's rates by destination prefix: list, add one, CSV import and export, lookup");

  rates
    .command('list')
    .argument('<tariff>', 'id or name')
    .action(async (ref: string) => {
      const store = await ctx.store();
      ctx.out.list(await store.tariffs.listRates((await findTariff(store, ref)).id), RATE_COLUMNS);
    });

  rates
    .command('lookup')
    .description('the rate a number is charged at (longest matching prefix)')
    .argument('<tariff>', 'id or name')
    .argument('<number>', 'E.164 or digits, or ext:<extension> for a leg to an extension on the node')
    .action(async (ref: string, number: string) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const rate = await rateOf(store, tariff.id, number);
      if (!rate) throw notFound(`a rate for ${number} in tariff ${tariff.name}`);
      ctx.out.record(
        RATE_COLUMNS.map((column) => [column.header, column.value(rate)] as const),
        rate,
      );
    });

  rates
    .command('add')
    .description('add one rate, checked like a CSV row (rates are micro-exact: 0.0125 per minute)')
    .argument('<tariff>', 'id or name')
    .argument('<prefix>', 'destination prefix: digits of the number without +, or ext:<digits> for extensions on the node (ext: alone: all); longest match wins')
    .argument('<rate>', 'price per minute in the tariff currency, up to 6 decimals, e.g. 0.0125')
    .option('--description <text>', 'what the prefix is, e.g. "Germany mobile"', '')
    .option('--connection-fee <amount>', 'charged once per answered call, e.g. 0.10', '')
    .option('--increments <first/next>', 'billing increments in seconds, e.g. 60/60, 30/6 or 1/1', '')
    .option('--minimum <seconds>', 'shortest billed duration', '')
    .option('--replace', 'change the rate if the tariff already has this prefix')
    .action(async (ref: string, prefix: string, rate: string, options: AddOptions) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const parsed = parseRateCells(addCells(prefix, rate, options));
      if (!('prefix' in parsed)) throw invalid(ADD_FIELD[parsed[0]!.field], parsed.map((issue) => issue.message).join('; '));
      const existing = (await store.tariffs.listRates(tariff.id)).find((known) => known.prefix === parsed.prefix);
      if (existing && !options.replace) throw refused(`tariff ${tariff.name} already has prefix ${parsed.prefix} (${formatRate(existing.ratePerMinute)} per minute); add --replace to change it`);
      await store.tariffs.importRates(tariff.id, [parsed]);
      await ctx.audit(existing ? 'rate_replaced' : 'rate_added', { details: { tariffId: tariff.id, prefix: parsed.prefix } });
      const stored = await rateOf(store, tariff.id, parsed.prefix);
      ctx.out.record(
        [...RATE_COLUMNS.map((column) => [column.header, stored ? column.value(stored) : '-'] as const), ['tariff', tariff.name]],
        { tariffId: tariff.id, replaced: existing !== undefined, rate: stored },
      );
    });

  rates
    .command('import')
    .description('load rates from CSV (see `rates export` for the format); one bad row and nothing is imported')
    .argument('<tariff>', 'id or name')
    .argument('<file>', 'CSV file')
    .option('--replace', "also delete the tariff's rates that are not in the file")
    .action(async (ref: string, file: string, options: { replace?: boolean }) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const parsed = await readRateFile(ctx.io.cwd, file);
      const count = await store.tariffs.importRates(tariff.id, parsed, { replace: options.replace === true });
      await ctx.audit('rates_imported', { details: { tariffId: tariff.id, count, replace: options.replace === true, file } });
      ctx.out.done(`${count} rate(s) imported into tariff ${tariff.name}${options.replace ? ' (others removed)' : ''}`, {
        tariffId: tariff.id,
        imported: count,
        replaced: options.replace === true,
      });
    });

  rates
    .command('export')
    .description('write the rates as CSV, in the format `rates import` reads')
    .argument('<tariff>', 'id or name')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (ref: string, options: { output?: string }) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const all = await store.tariffs.listRates(tariff.id);
      const csv = formatRateCsv(all);
      if (options.output === undefined) return ctx.out.raw(csv);
      await writeRateFile(ctx.io.cwd, options.output, csv);
      ctx.out.done(`${all.length} rate(s) written to ${options.output}`, { tariffId: tariff.id, exported: all.length, file: options.output });
    });
}

/** The rate `rates lookup` shows: a number's, or with `ext:` an extension's (`ext:` alone: the rate of every extension). */
async function rateOf(store: Store, tariffId: number, number: string): Promise<Rate | null> {
  if (!number.startsWith(EXTENSION_RATE_PREFIX)) return store.tariffs.findRateByLongestPrefix(tariffId, number);
  const extension = number.slice(EXTENSION_RATE_PREFIX.length);
  if (extension === '') return (await store.tariffs.listRates(tariffId)).find((rate) => rate.prefix === EXTENSION_RATE_PREFIX) ?? null;
  if (!isExtension(extension)) throw invalid('<number>', `expected ext: followed by the extension's 1 to 16 digits (got "${number}")`);
  return store.tariffs.findExtensionRate(tariffId, extension);
}

interface AddOptions {
  description: string;
  connectionFee: string;
  increments: string;
  minimum: string;
  replace?: boolean;
}

/** How the operator typed each CSV column on the `rates add` line, to name it in an error. */
const ADD_FIELD: Record<RateColumn, string> = {
  prefix: '<prefix>',
  description: '--description',
  rate_per_minute: '<rate>',
  connection_fee: '--connection-fee',
  increment_first: '--increments',
  increment_next: '--increments',
  minimum: '--minimum',
};

function addCells(prefix: string, rate: string, options: AddOptions) {
  const increments = options.increments.trim();
  const match = /^(\d+)\/(\d+)$/.exec(increments);
  if (increments !== '' && !match) throw invalid('--increments', `expected first/next seconds such as 60/60 or 30/6 (got "${increments}")`);
  return {
    prefix: prefix.trim(),
    description: options.description.trim(),
    rate_per_minute: rate.trim(),
    connection_fee: options.connectionFee.trim(),
    increment_first: match?.[1] ?? '',
    increment_next: match?.[2] ?? '',
    minimum: options.minimum.trim(),
  };
}
