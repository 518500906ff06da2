import fs from 'node:fs';
import path from 'node:path';
import type { Rate, Tariff } from '../../lib/store';
import { RATE_COLUMNS } from '../../lib/cli/rate-csv';
import { cli, cliJson, describeEachCliDatabase } from './support';

const HEADER = RATE_COLUMNS.join(',');

describeEachCliDatabase('CLI tariffs and rates', (target) => {
  const file = (name: string, lines: string[]) => {
    fs.writeFileSync(path.join(target().dir, name), `${lines.join('\n')}\n`);
    return name;
  };
  const ratesOf = async (tariff: string) => (await cliJson<Rate[]>(target(), ['rates', 'list', tariff])).map((rate) => [rate.prefix, rate.ratePerMinute, rate.connectionFeeMinor]);

  it('creates and shows tariffs', async () => {
    const created = await cli(target(), ['tariffs', 'create', '--name', 'Wholesale', '--currency', 'usd', '--kind', 'retail']);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^tariff Wholesale created with id \d+\n$/) });
    expect((await cli(target(), ['tariffs', 'create', '--name', 'Wholesale', '--currency', 'USD'])).code).toBe(2);
    expect((await cli(target(), ['tariffs', 'create', '--name', 'X', '--currency', 'USD', '--kind', 'gold'])).code).toBe(2);
    const list = await cliJson<Tariff[]>(target(), ['tariffs', 'list']);
    expect(list.map((tariff) => [tariff.name, tariff.kind, tariff.currency])).toEqual([['Wholesale', 'retail', 'USD']]);
    expect((await cli(target(), ['tariffs', 'show', 'Nope'])).code).toBe(3);
  });

  it('imports a CSV file', async () => {
    const imported = await cli(target(), ['rates', 'import', 'Wholesale', file('good.csv', [HEADER, '49,Germany,0.0125,0.10,30,6,0', '"44","UK, mobile",0.2,,,,'])]);
    expect(imported).toMatchObject({ code: 0, stdout: '2 rate(s) imported into tariff Wholesale\n' });
    expect(await ratesOf('Wholesale')).toEqual([
      ['44', 200_000, 0],
      ['49', 12_500, 10],
    ]);
    const table = await cli(target(), ['rates', 'list', 'Wholesale']);
    expect(table.stdout).toBe(
      ['PREFIX  DESCRIPTION  PER MINUTE  CONNECTION FEE  INCREMENTS  MINIMUM', '44      UK, mobile       0.2000            0.00  60/60             0', '49      Germany          0.0125            0.10  30/6              0', ''].join('\n'),
    );
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Wholesale', '+4930123456'])).toMatchObject({ prefix: '49' });
    expect((await cli(target(), ['rates', 'lookup', 'Wholesale', '+3312345678'])).code).toBe(3);
  });

  it('rejects a file with one bad row whole: nothing is imported, the row is named by line and field', async () => {
    const before = await ratesOf('Wholesale');
    const bad = file('bad.csv', [HEADER, '49,Germany,0.0200,0.00,60,60,0', '33,France,0.0300,0.00,60,60,0', '34,Spain,0.04.0,0.00,60,60,0', '39,Italy,0.0500,0.00,60,60,0']);
    const result = await cli(target(), ['rates', 'import', 'Wholesale', bad, '--replace']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: nothing imported; the file has errors:\nline 4, rate_per_minute: expected an amount from 0 to 1000000.000000 with at most 6 decimals, such as 0.0125 (got "0.04.0")\n',
    });
    expect(await ratesOf('Wholesale')).toEqual(before);
    const json = await cli(target(), ['--json', 'rates', 'import', 'Wholesale', bad]);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'invalid', message: expect.stringContaining('line 4, rate_per_minute') });
    expect((await cli(target(), ['rates', 'import', 'Wholesale', file('empty.csv', [HEADER]), '--replace'])).stderr).toBe('error: <file>: empty.csv has a header but no rates\n');
    expect(await ratesOf('Wholesale')).toEqual(before);
    expect((await cli(target(), ['rates', 'import', 'Wholesale', 'missing.csv'])).stderr).toBe('error: <file>: ' + path.join(target().dir, 'missing.csv') + ' does not exist\n');
  });

  it('exports the same format, which imports back unchanged (round trip), and --replace drops the rest', async () => {
    const exported = await cli(target(), ['rates', 'export', 'Wholesale']);
    expect(exported.stdout).toBe(`${HEADER}\n44,"UK, mobile",0.2000,0.00,60,60,0\n49,Germany,0.0125,0.10,30,6,0\n`);
    expect((await cli(target(), ['tariffs', 'create', '--name', 'Copy', '--currency', 'USD'])).code).toBe(0);
    expect((await cli(target(), ['rates', 'export', 'Wholesale', '--output', 'out.csv'])).stdout).toBe('2 rate(s) written to out.csv\n');
    expect((await cli(target(), ['rates', 'import', 'Copy', 'out.csv'])).code).toBe(0);
    const strip = (rates: Rate[]) => rates.map(({ id: _id, tariffId: _tariffId, ...rate }) => rate);
    expect(strip(await cliJson<Rate[]>(target(), ['rates', 'list', 'Copy']))).toEqual(strip(await cliJson<Rate[]>(target(), ['rates', 'list', 'Wholesale'])));

    expect((await cli(target(), ['rates', 'import', 'Copy', file('one.csv', [HEADER, '1,USA,0.01,0,60,60,0']), '--replace'])).stdout).toBe('1 rate(s) imported into tariff Copy (others removed)\n');
    expect(await ratesOf('Copy')).toEqual([['1', 10_000, 0]]);
    const shown = await cliJson<Tariff & { rates: number }>(target(), ['tariffs', 'show', 'Copy']);
    expect(shown.rates).toBe(1);
    expect((await cli(target(), ['tariffs', 'remove', 'Copy'])).code).toBe(0);
    expect((await cli(target(), ['rates', 'list', 'Copy'])).code).toBe(3);
  });

  it('adds one rate, checked like a CSV row, and changes an existing prefix only with --replace', async () => {
    const added = await cliJson<{ replaced: boolean; rate: Rate }>(target(), [
      'rates', 'add', 'Wholesale', '33', '0.0300', '--description', 'France', '--connection-fee', '0.05', '--increments', '30/6', '--minimum', '10',
    ]);
    expect(added.replaced).toBe(false);
    expect(added.rate).toMatchObject({ prefix: '33', description: 'France', ratePerMinute: 30_000, connectionFeeMinor: 5, incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 10 });
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Wholesale', '+33142685300'])).toMatchObject({ prefix: '33', ratePerMinute: 30_000 });
    // Defaults as an empty CSV cell: 60/60, no fee, no minimum.
    expect((await cliJson<{ rate: Rate }>(target(), ['rates', 'add', 'Wholesale', '34', '0.04'])).rate).toMatchObject({ incrementFirstSeconds: 60, incrementNextSeconds: 60, connectionFeeMinor: 0, minimumSeconds: 0 });

    const before = await ratesOf('Wholesale');
    expect(await cli(target(), ['rates', 'add', 'Wholesale', '33', '0.02'])).toMatchObject({
      code: 2,
      stderr: 'error: tariff Wholesale already has prefix 33 (0.0300 per minute); add --replace to change it\n',
    });
    for (const [argv, stderr] of [
      [['+33', '0.02'], 'error: <prefix>: expected the digits without + (got "+33")\n'],
      [['ext:1x', '0.02'], 'error: <prefix>: expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:1x")\n'],
      [['39', '0.04.0'], 'error: <rate>: expected an amount from 0 to 1000000.000000 with at most 6 decimals, such as 0.0125 (got "0.04.0")\n'],
      [['39', '0.04', '--connection-fee', '0.001'], 'error: --connection-fee: expected an amount from 0 to 10000000000.00 with at most 2 decimals, such as 0.10 (got "0.001")\n'],
      [['39', '0.04', '--increments', '60'], 'error: --increments: expected first/next seconds such as 60/60 or 30/6 (got "60")\n'],
      [['39', '0.04', '--increments', '0/6'], 'error: --increments: expected whole seconds from 1 to 86400 (got "0")\n'],
    ] as const) {
      expect(await cli(target(), ['rates', 'add', 'Wholesale', ...argv])).toEqual({ code: 2, stdout: '', stderr });
    }
    expect(await ratesOf('Wholesale')).toEqual(before);
    expect((await cli(target(), ['rates', 'add', 'Nope', '39', '0.04'])).code).toBe(3);

    const replaced = await cliJson<{ replaced: boolean; rate: Rate }>(target(), ['rates', 'add', 'Wholesale', '33', '0.02', '--replace']);
    expect(replaced).toMatchObject({ replaced: true, rate: { prefix: '33', ratePerMinute: 20_000, description: '' } });
  });

  it('prices extension legs by ext: prefixes, which a number never matches and a number prefix never shadows (issue #17 item 5)', async () => {
    expect((await cli(target(), ['tariffs', 'create', '--name', 'Internal', '--currency', 'USD', '--kind', 'callback'])).code).toBe(0);
    expect((await cliJson<{ rate: Rate }>(target(), ['rates', 'add', 'Internal', 'ext:', '0.001', '--description', 'any extension'])).rate).toMatchObject({ prefix: 'ext:', ratePerMinute: 1_000 });
    expect((await cliJson<{ rate: Rate }>(target(), ['rates', 'add', 'Internal', 'ext:10', '0.002'])).rate).toMatchObject({ prefix: 'ext:10', ratePerMinute: 2_000 });
    expect((await cli(target(), ['rates', 'import', 'Internal', file('mixed.csv', [HEADER, '1,USA,0.01,,,,', 'ext:2,Twos,0.003,,1,1,'])])).code).toBe(0);

    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Internal', 'ext:1001'])).toMatchObject({ prefix: 'ext:10' });
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Internal', 'ext:2001'])).toMatchObject({ prefix: 'ext:2', incrementFirstSeconds: 1 });
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Internal', 'ext:3'])).toMatchObject({ prefix: 'ext:' });
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Internal', 'ext:'])).toMatchObject({ prefix: 'ext:' });
    // The number 1001… is priced by its digits alone: ext:10 is not a prefix of it.
    expect(await cliJson<Rate>(target(), ['rates', 'lookup', 'Internal', '+10015550100'])).toMatchObject({ prefix: '1' });
    expect((await cli(target(), ['rates', 'lookup', 'Internal', '+442079460000'])).code).toBe(3);
    expect(await cli(target(), ['rates', 'lookup', 'Internal', 'ext:10a'])).toMatchObject({ code: 2, stderr: 'error: <number>: expected ext: followed by the extension\'s 1 to 16 digits (got "ext:10a")\n' });

    const exported = await cli(target(), ['rates', 'export', 'Internal']);
    expect(exported.stdout).toBe(`${HEADER}\n1,USA,0.0100,0.00,60,60,0\next:,any extension,0.0010,0.00,60,60,0\next:10,,0.0020,0.00,60,60,0\next:2,Twos,0.0030,0.00,1,1,0\n`);
  });
});
