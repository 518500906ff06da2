import fs from 'node:fs';
import path from 'node:path';
import { RATE_COLUMNS } from '../../lib/cli/rate-csv';
import type { BuyRate, Carrier } from '../../lib/store';
import { cli, cliJson, describeEachCliDatabase } from './support';

const HEADER = RATE_COLUMNS.join(',');
const NOW = Date.UTC(2030, 5, 1);
const NEXT_YEAR = Date.UTC(2031, 0, 1);

describeEachCliDatabase('CLI carriers', (target) => {
  const file = (name: string, lines: string[]) => {
    fs.writeFileSync(path.join(target().dir, name), `${lines.join('\n')}\n`);
    return name;
  };
  const run = (argv: string[]) => cli(target(), argv, { now: NOW });
  const json = <T>(argv: string[]) => cliJson<T>(target(), argv, { now: NOW });

  it('adds, shows, updates, disables and enables carriers', async () => {
    const added = await run(['carriers', 'add', '--name', 'acme', '--max-channels', '30', '--priority', '10', '--dial-prefix', '0049', '--strip-digits', '2']);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^carrier acme created with id \d+; give it a gateway/) });
    expect((await run(['carriers', 'add', '--name', 'acme'])).code).toBe(2);
    expect((await run(['carriers', 'add', '--name', 'bad name'])).stderr).toMatch(/must be 1-64 letters/);
    expect((await run(['carriers', 'add', '--name', 'x', '--caller-id-mode', 'fixed'])).stderr).toMatch(/required when callerIdMode is fixed/);
    expect((await run(['carriers', 'add', '--name', 'x', '--caller-id-mode', 'loud'])).code).toBe(2);

    const updated = await json<Carrier>(['carriers', 'update', 'acme', '--caller-id-mode', 'fixed', '--caller-id-number', '+12025550100', '--max-channels', 'none']);
    expect(updated).toMatchObject({ name: 'acme', callerIdMode: 'fixed', callerIdNumber: '+12025550100', maxChannels: null, priority: 10, dialPrefix: '0049', stripDigits: 2 });
    expect((await run(['carriers', 'update', 'acme'])).stderr).toMatch(/nothing to change/);
    expect((await run(['carriers', 'update', 'nobody', '--weight', '2'])).code).toBe(3);

    expect((await run(['carriers', 'disable', 'acme'])).stdout).toBe('carrier acme disabled\n');
    expect((await json<Carrier>(['carriers', 'show', 'acme'])).enabled).toBe(false);
    expect((await run(['carriers', 'enable', String(updated.id)])).stdout).toBe('carrier acme enabled\n');
    const shown = await run(['carriers', 'show', 'acme']);
    expect(shown.stdout).toMatch(/caller id: +fixed \+12025550100/);
  });

  it('sets and removes gateways per node', async () => {
    expect((await run(['carriers', 'gateway', 'set', 'acme', '*', 'acme_gw'])).stdout).toBe('carrier acme goes out through gateway acme_gw on every node\n');
    await run(['carriers', 'gateway', 'set', 'acme', 'fs1', 'acme-fs1']);
    expect((await json<Carrier>(['carriers', 'show', 'acme'])).gateways).toEqual([
      { node: '*', gateway: 'acme_gw' },
      { node: 'fs1', gateway: 'acme-fs1' },
    ]);
    expect((await run(['carriers', 'gateway', 'set', 'acme', 'fs1', 'a|b'])).stderr).toMatch(/gateway name/);
    const list = await run(['carriers', 'list']);
    expect(list.stdout).toMatch(/acme\s+yes\s+10\s+1\s+USD\s+\*=acme_gw fs1=acme-fs1/);
    expect((await run(['carriers', 'gateway', 'remove', 'acme', 'fs1'])).code).toBe(0);
    expect((await run(['carriers', 'gateway', 'remove', 'acme', 'fs1'])).code).toBe(3);
  });

  it('imports rate sheets with the tariff CSV, in force from a date, and exports what is in force', async () => {
    const now = await run(['carriers', 'rates', 'import', 'acme', file('now.csv', [HEADER, '49,Germany,0.0100,0.00,60,60,0', '4915,DE mobile,0.0500,0.01,30,6,0'])]);
    expect(now).toMatchObject({ code: 0, stdout: '2 buy rate(s) imported into carrier acme, in force from 2030-06-01T00:00:00Z\n' });
    const later = await run(['carriers', 'rates', 'import', 'acme', file('later.csv', [HEADER, '49,Germany,0.0080,0.00,60,60,0']), '--effective-from', '2031-01-01']);
    expect(later.stdout).toBe('1 buy rate(s) imported into carrier acme, in force from 2031-01-01T00:00:00Z\n');

    expect((await json<BuyRate[]>(['carriers', 'rates', 'list', 'acme'])).map((r) => [r.prefix, r.ratePerMinute])).toEqual([
      ['49', 10_000],
      ['4915', 50_000],
    ]);
    expect((await json<BuyRate[]>(['carriers', 'rates', 'list', 'acme', '--at', '2031-01-01'])).map((r) => [r.prefix, r.ratePerMinute, r.effectiveFrom])).toEqual([
      ['49', 8_000, NEXT_YEAR],
      ['4915', 50_000, NOW],
    ]);
    expect((await json<BuyRate[]>(['carriers', 'rates', 'list', 'acme', '--all'])).length).toBe(3);
    expect((await run(['carriers', 'rates', 'export', 'acme'])).stdout).toBe(`${HEADER}\n49,Germany,0.0100,0.00,60,60,0\n4915,DE mobile,0.0500,0.01,30,6,0\n`);
    expect((await run(['carriers', 'rates', 'export', 'acme', '--at', '2031-02-01T00:00:00Z'])).stdout).toBe(
      `${HEADER}\n49,Germany,0.0080,0.00,60,60,0\n4915,DE mobile,0.0500,0.01,30,6,0\n`,
    );
    expect((await run(['carriers', 'rates', 'import', 'acme', 'now.csv', '--effective-from', 'soon'])).stderr).toMatch(/expected a date such as 2027-01-01/);
    const bad = await run(['carriers', 'rates', 'import', 'acme', file('bad.csv', [HEADER, '33,France,0.0x,0.00,60,60,0'])]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('line 2, rate_per_minute') });
    // An extension leg goes through no carrier: an ext: rate is a tariff's, never a carrier's.
    const internal = await run(['carriers', 'rates', 'import', 'acme', file('ext.csv', [HEADER, '49,Germany,0.0100,0.00,60,60,0', 'ext:1,Internal,0.0010,0.00,60,60,0'])]);
    expect(internal.stderr).toBe("error: invalid rate #2: ext:1 prices extension legs, which go through no carrier; a carrier's rates are by number prefix (digits only)\n");
    expect((await run(['carriers', 'rates', 'list', 'nobody'])).code).toBe(3);
  });
});
