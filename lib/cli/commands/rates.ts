import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Rate } from '../../store';
import type { CliContext } from '../context';
import { CliError, EXIT, invalid, notFound } from '../errors';
import { amount } from '../format';
import { findTariff } from '../lookup';
import { formatRate, formatRateCsv, InvalidRateFile, parseRateCsv } from '../rate-csv';
import type { Column } from '../table';

const COLUMNS: Column<Rate>[] = [
  { header: 'prefix', value: (r) => r.prefix },
  { header: 'description', value: (r) => r.description },
  { header: 'per minute', value: (r) => formatRate(r.ratePerMinute), numeric: true },
  { header: 'connection fee', value: (r) => amount(r.connectionFeeMinor), numeric: true },
  { header: 'increments', value: (r) => `${r.incrementFirstSeconds}/${r.incrementNextSeconds}` },
  { header: 'minimum', value: (r) => String(r.minimumSeconds), numeric: true },
];

export function registerRates(program: Command, ctx: CliContext): void {
  const rates = program.command('rates').description("a tariff's rates by destination prefix: list, CSV import and export, lookup");

  rates
    .command('list')
    .argument('<tariff>', 'id or name')
    .action(async (ref: string) => {
      const store = await ctx.store();
      ctx.out.list(await store.tariffs.listRates((await findTariff(store, ref)).id), COLUMNS);
    });

  rates
    .command('lookup')
    .description('the rate a number is charged at (longest matching prefix)')
    .argument('<tariff>', 'id or name')
    .argument('<number>', 'E.164 or digits')
    .action(async (ref: string, number: string) => {
      const store = await ctx.store();
      const tariff = await findTariff(store, ref);
      const rate = await store.tariffs.findRateByLongestPrefix(tariff.id, number);
      if (!rate) throw notFound(`a rate for ${number} in tariff ${tariff.name}`);
      ctx.out.record(
        COLUMNS.map((column) => [column.header, column.value(rate)] as const),
        rate,
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
      const parsed = parseFile(await readFile(path.resolve(ctx.io.cwd, file)));
      // Never useful, and with --replace it would silently empty the tariff.
      if (parsed.length === 0) throw invalid('<file>', `${file} has a header but no rates`);
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
      await fs.writeFile(path.resolve(ctx.io.cwd, options.output), csv);
      ctx.out.done(`${all.length} rate(s) written to ${options.output}`, { tariffId: tariff.id, exported: all.length, file: options.output });
    });
}

async function readFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalid('<file>', `${file} does not exist`);
    throw new CliError(EXIT.failure, 'failure', `cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseFile(text: string) {
  try {
    return parseRateCsv(text);
  } catch (error) {
    if (error instanceof InvalidRateFile) throw new CliError(EXIT.refused, 'invalid', `nothing imported; the file has errors:\n${error.message}`);
    throw error;
  }
}
