import { Option, type Command } from 'commander';
import { CALLER_ID_MODES, type BuyRate, type Carrier, type CarrierPatch, type CallerIdMode } from '../../store';
import { definedOnly } from '../../store/rows';
import type { CliContext } from '../context';
import { invalid, notFound } from '../errors';
import { orDash, when, yesNo } from '../format';
import { countryOf, findCarrier, phoneNumber } from '../lookup';
import { instant, integer, orNone } from '../parsers';
import { formatRateCsv } from '../rate-csv';
import { readRateFile, writeRateFile } from '../rate-file';
import type { Column } from '../table';
import { RATE_COLUMNS } from './rates';

const COLUMNS: Column<Carrier>[] = [
  { header: 'id', value: (c) => String(c.id), numeric: true },
  { header: 'name', value: (c) => c.name },
  { header: 'enabled', value: (c) => yesNo(c.enabled) },
  { header: 'priority', value: (c) => String(c.priority), numeric: true },
  { header: 'weight', value: (c) => String(c.weight), numeric: true },
  { header: 'currency', value: (c) => c.currency },
  { header: 'gateways', value: (c) => orDash(c.gateways.map((g) => `${g.node}=${g.gateway}`).join(' ')) },
];

const DETAILS: Column<Carrier>[] = [
  ...COLUMNS,
  { header: 'dial prefix', value: (c) => orDash(c.dialPrefix) },
  { header: 'strip digits', value: (c) => String(c.stripDigits) },
  { header: 'caller id', value: (c) => (c.callerIdMode === 'fixed' ? `fixed ${c.callerIdNumber ?? ''}` : c.callerIdMode) },
  { header: 'max channels', value: (c) => orDash(c.maxChannels) },
  { header: 'max cps', value: (c) => orDash(c.maxCps) },
];

const BUY_RATE_COLUMNS: Column<BuyRate>[] = [...RATE_COLUMNS, { header: 'from', value: (r) => when(r.effectiveFrom) }];

interface CarrierOptions {
  name?: string;
  currency?: string;
  dialPrefix?: string;
  stripDigits?: number;
  callerIdMode?: CallerIdMode;
  /** null: "none" given, to clear it. */
  callerIdNumber?: string | null;
  maxChannels?: number | null;
  maxCps?: number | null;
  priority?: number;
  weight?: number;
}

/** "none" clears a limit. */
const limit = orNone(integer(1, 100_000));

/** The options `add` and `update` share; on `update` an option not given leaves the value alone. */
function carrierOptions(command: Command): Command {
  return command
    .option('--currency <code>', 'ISO 4217 currency of its buy rates (add: default USD)')
    .option('--dial-prefix <digits>', 'digits put before the number (e.g. a tech prefix)')
    .option('--strip-digits <n>', 'leading digits of the E.164 number removed before the prefix is added', integer(0, 15))
    .addOption(new Option('--caller-id-mode <mode>', 'pass the caller ID, put a fixed one, or withhold it').choices(CALLER_ID_MODES))
    .option('--caller-id-number <number|none>', 'the caller ID for --caller-id-mode fixed', orNone(String))
    .option('--max-channels <n|none>', 'most concurrent calls through it (none: unlimited)', limit)
    .option('--max-cps <n|none>', 'most new calls per second through it (none: unlimited)', limit)
    .option('--priority <n>', 'lower is tried first (add: default 100)', integer(0, 1_000_000))
    .option('--weight <n>', 'share among carriers of the same priority (add: default 1)', integer(1, 1_000_000));
}

export function registerCarriers(program: Command, ctx: CliContext): void {
  const carriers = program.command('carriers').description('carriers legs go out through: gateways per node, limits, caller-ID rules, buy rates');

  const patchOf = (options: CarrierOptions): CarrierPatch => {
    const country = countryOf(null, ctx.settings().callback.defaultCountry);
    const number = options.callerIdNumber;
    return {
      name: options.name,
      currency: options.currency?.toUpperCase(),
      dialPrefix: options.dialPrefix,
      stripDigits: options.stripDigits,
      callerIdMode: options.callerIdMode,
      callerIdNumber: number === undefined || number === null ? number : phoneNumber('--caller-id-number', number, country),
      maxChannels: options.maxChannels,
      maxCps: options.maxCps,
      priority: options.priority,
      weight: options.weight,
    };
  };
  const show = (carrier: Carrier) => ctx.out.record(DETAILS.map((column) => [column.header, column.value(carrier)] as const), carrier);

  carriers.command('list').action(async () => {
    ctx.out.list(await (await ctx.store()).carriers.list(), COLUMNS);
  });

  carriers
    .command('show')
    .argument('<carrier>', 'id or name')
    .action(async (ref: string) => show(await findCarrier(await ctx.store(), ref)));

  carrierOptions(carriers.command('add').requiredOption('--name <name>', 'unique name: letters, digits, _ . -'))
    .option('--disabled', 'create it disabled (no leg goes out through it until `carriers enable`)')
    .action(async (options: CarrierOptions & { name: string; disabled?: boolean }) => {
      const store = await ctx.store();
      const carrier = await store.carriers.create({ ...definedOnly(patchOf(options)), name: options.name, enabled: options.disabled !== true });
      await ctx.audit('carrier_created', { details: { carrierId: carrier.id, name: carrier.name } });
      ctx.out.done(`carrier ${carrier.name} created with id ${carrier.id}${carrier.enabled ? '' : ' (disabled)'}; give it a gateway with \`carriers gateway set\``, carrier);
    });

  carrierOptions(carriers.command('update').argument('<carrier>', 'id or name').option('--name <name>', 'rename it'))
    .action(async (ref: string, options: CarrierOptions) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      const patch = definedOnly(patchOf(options));
      if (Object.keys(patch).length === 0) throw invalid('options', 'nothing to change; give at least one option (see --help)');
      const updated = await store.carriers.update(carrier.id, patch);
      if (!updated) throw notFound(`carrier ${ref}`);
      await ctx.audit('carrier_updated', { details: { carrierId: carrier.id, changed: Object.keys(patch) } });
      show(updated);
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    carriers
      .command(verb)
      .argument('<carrier>', 'id or name')
      .action(async (ref: string) => {
        const store = await ctx.store();
        const carrier = await findCarrier(store, ref);
        const updated = await store.carriers.update(carrier.id, { enabled });
        if (!updated) throw notFound(`carrier ${ref}`);
        await ctx.audit(enabled ? 'carrier_enabled' : 'carrier_disabled', { details: { carrierId: carrier.id } });
        ctx.out.done(`carrier ${carrier.name} ${enabled ? 'enabled' : 'disabled'}`, updated);
      });
  }

  const gateway = carriers.command('gateway').description("the sofia gateway a carrier is reached through on a node (`*`: every node without one of its own)");
  gateway
    .command('set')
    .argument('<carrier>', 'id or name')
    .argument('<node>', 'a freeswitch.nodes[].name, or * for every node')
    .argument('<gateway>', 'the sofia gateway name on that node')
    .action(async (ref: string, node: string, name: string) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      const updated = await store.carriers.setGateway(carrier.id, { node, gateway: name });
      if (!updated) throw notFound(`carrier ${ref}`);
      await ctx.audit('carrier_gateway_set', { details: { carrierId: carrier.id, node, gateway: name } });
      ctx.out.done(`carrier ${carrier.name} goes out through gateway ${name} on ${node === '*' ? 'every node' : `node ${node}`}`, updated);
    });
  gateway
    .command('remove')
    .argument('<carrier>', 'id or name')
    .argument('<node>', 'a node name, or *')
    .action(async (ref: string, node: string) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      if (!(await store.carriers.removeGateway(carrier.id, node))) throw notFound(`a gateway of carrier ${carrier.name} on node ${node}`);
      await ctx.audit('carrier_gateway_removed', { details: { carrierId: carrier.id, node } });
      ctx.out.done(`carrier ${carrier.name} has no gateway of its own on ${node === '*' ? 'every node' : `node ${node}`} any more`, { carrierId: carrier.id, node, removed: true });
    });

  const rates = carriers.command('rates').description("a carrier's buy rates, in the CSV format of `rates import` / `rates export`");
  rates
    .command('list')
    .argument('<carrier>', 'id or name')
    .option('--at <instant>', 'only the rates in force then (e.g. 2027-01-01 or 2027-01-01T08:00:00Z, UTC)', instant)
    .option('--all', 'every sheet, including those loaded ahead of time and those superseded')
    .action(async (ref: string, options: { at?: number; all?: boolean }) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      const at = options.all ? undefined : (options.at ?? ctx.now());
      ctx.out.list(await store.buyRates.list(carrier.id, at === undefined ? {} : { at }), BUY_RATE_COLUMNS);
    });
  rates
    .command('import')
    .description('load a rate sheet from CSV; one bad row and nothing is imported')
    .argument('<carrier>', 'id or name')
    .argument('<file>', 'CSV file')
    .option('--effective-from <instant>', 'when the sheet comes into force (default: now), e.g. 2027-01-01 (UTC)', instant)
    .option('--replace', "also delete the rates of the carrier's sheet of that same instant that are not in the file")
    .action(async (ref: string, file: string, options: { effectiveFrom?: number; replace?: boolean }) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      const parsed = await readRateFile(ctx.io.cwd, file);
      const effectiveFrom = options.effectiveFrom ?? ctx.now();
      const count = await store.buyRates.importRates(carrier.id, parsed, { effectiveFrom, replace: options.replace === true });
      await ctx.audit('carrier_rates_imported', { details: { carrierId: carrier.id, count, effectiveFrom, replace: options.replace === true, file } });
      ctx.out.done(`${count} buy rate(s) imported into carrier ${carrier.name}, in force from ${when(effectiveFrom)}`, {
        carrierId: carrier.id,
        imported: count,
        effectiveFrom,
        replaced: options.replace === true,
      });
    });
  rates
    .command('export')
    .description('write the rates in force as CSV, in the format `carriers rates import` reads')
    .argument('<carrier>', 'id or name')
    .option('--at <instant>', 'the rates in force then (default: now)', instant)
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (ref: string, options: { at?: number; output?: string }) => {
      const store = await ctx.store();
      const carrier = await findCarrier(store, ref);
      const inForce = await store.buyRates.list(carrier.id, { at: options.at ?? ctx.now() });
      const csv = formatRateCsv(inForce);
      if (options.output === undefined) return ctx.out.raw(csv);
      await writeRateFile(ctx.io.cwd, options.output, csv);
      ctx.out.done(`${inForce.length} buy rate(s) written to ${options.output}`, { carrierId: carrier.id, exported: inForce.length, file: options.output });
    });
}
