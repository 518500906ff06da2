import fs from 'node:fs';
import path from 'node:path';
import { RATE_COLUMNS } from '../../lib/cli/rate-csv';
import { createStore } from '../../lib/store';
import { describeEachCliDatabase, spawnCli } from './support';

/*
 * The real program in a child process, with nothing but its environment and arguments: what an
 * operator's shell or script sees, output and exit code. The other CLI tests run the same
 * program in-process for speed.
 */
// Each test starts the program up to five times as a child process; on a loaded 2-core CI machine
// one start has taken seconds, so jest's default of 20 s per test was met by a slow machine, not a fault.
jest.setTimeout(90_000);

describeEachCliDatabase('the callback binary', (target) => {
  it('prints help (0) and refuses an unknown command (2)', async () => {
    const help = await spawnCli(target(), ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: callback [options] [command]');
    expect(help.stdout).toContain('3  not found');
    const unknown = await spawnCli(target(), ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
  });

  it('creates and shows an account (0), misses one (3), refuses a bad amount (2)', async () => {
    const created = await spawnCli(target(), ['accounts', 'create', '--name', 'Binary', '--currency', 'USD', '--credit-limit', '2.50']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^credit limit: +2\.50 USD$/m);
    const shown = await spawnCli(target(), ['--json', 'accounts', 'show', 'Binary']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'Binary', creditLimitMinor: 250, availableMinor: 250 });
    expect(await spawnCli(target(), ['accounts', 'show', 'Nobody'])).toEqual({ code: 3, stdout: '', stderr: 'error: account Nobody does not exist\n' });
    const bad = await spawnCli(target(), ['accounts', 'set', 'Binary', '--credit-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("option '--credit-limit <amount>' argument 'lots' is invalid");
  });

  it('rejects a tariff CSV with a bad row whole (2), then imports the corrected file (0)', async () => {
    const tariff = await createStore(target().db).tariffs.createTariff({ name: 'BinaryRates', currency: 'USD', kind: 'retail' });
    const rows = ['1,USA,0.0100,0.00,60,60,0', '44,UK,0.0200,0.00,30,6,0', '49,Germany,zero,0.00,1,1,0'];
    fs.writeFileSync(path.join(target().dir, 'bad.csv'), [RATE_COLUMNS.join(','), ...rows].join('\n'));
    const rejected = await spawnCli(target(), ['rates', 'import', 'BinaryRates', path.join(target().dir, 'bad.csv')]);
    expect(rejected).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: nothing imported; the file has errors:\nline 4, rate_per_minute: expected an amount from 0 to 1000000.000000 with at most 6 decimals, such as 0.0125 (got "zero")\n',
    });
    expect(await createStore(target().db).tariffs.listRates(tariff.id)).toEqual([]);

    fs.writeFileSync(path.join(target().dir, 'good.csv'), [RATE_COLUMNS.join(','), ...rows.slice(0, 2), '49,Germany,0.0150,0.00,1,1,0'].join('\n'));
    const imported = await spawnCli(target(), ['rates', 'import', 'BinaryRates', path.join(target().dir, 'good.csv')]);
    expect(imported).toEqual({ code: 0, stdout: '3 rate(s) imported into tariff BinaryRates\n', stderr: '' });
    const exported = await spawnCli(target(), ['rates', 'export', String(tariff.id)]);
    expect(exported.stdout).toBe(`${RATE_COLUMNS.join(',')}\n1,USA,0.0100,0.00,60,60,0\n44,UK,0.0200,0.00,30,6,0\n49,Germany,0.0150,0.00,1,1,0\n`);
  });

  it('fails at run time (1) on a database that was never migrated', async () => {
    const result = await spawnCli(target(), ['accounts', 'list'], { DATABASE_URL: `sqlite:${path.join(target().dir, 'empty.sqlite')}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: the database is not up to date \(\d+ migration\(s\) pending\); run `npm run migrate`/);
  });
});
