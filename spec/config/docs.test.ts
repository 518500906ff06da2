import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { settingsTable } from '../../lib/config';
import { readmeWithSettings } from '../../lib/config/docs';
import { RESERVED_ENV_VARS, screamingSnake } from '../../lib/config/env-names';
import { setting } from '../../lib/config/setting-meta';
import { mapSchema, settingsMap } from '../../lib/config/walk';

describe('docs/settings.md', () => {
  it('is exactly what settingsTable() renders (run `npm run settings:doc` after changing the schema)', () => {
    const file = path.resolve(__dirname, '..', '..', 'docs', 'settings.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(settingsTable());
  });

  it('is the table in the README (run `npm run settings:doc` after changing the schema)', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toBe(readmeWithSettings(readme));
  });

  it('has a row for every setting, with its variable, default and description', () => {
    const table = settingsTable();
    for (const entry of settingsMap().entries) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${entry.key}\` |`));
      expect(row).toBeDefined();
      if (entry.envVar !== undefined) expect(row).toContain(`\`${entry.envVar}\``);
    }
    expect(table).toContain('| `callback.maxRetries` | `CALLBACK_CALLBACK_MAX_RETRIES` | `2` | an integer from 0 to 10 |');
  });
});

describe('the settings map derived from the schema', () => {
  const { entries } = settingsMap();

  it('describes every setting', () => {
    expect(entries.filter((entry) => entry.description.trim() === '').map((entry) => entry.key)).toEqual([]);
  });

  it('gives every setting outside a list its own variable, all distinct', () => {
    const names = entries.flatMap((entry) => (entry.envVar === undefined ? [] : [entry.envVar]));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(RESERVED_ENV_VARS.has(name)).toBe(false);
    expect(entries.filter((entry) => entry.envVar === undefined).every((entry) => entry.key.startsWith('freeswitch.nodes[]'))).toBe(true);
  });

  it('names the variables of the brief', () => {
    const names = new Set(entries.map((entry) => entry.envVar));
    for (const name of [
      'CALLBACK_HTTP_PORT',
      'CALLBACK_DATABASE_CLIENT',
      'CALLBACK_DATABASE_URL',
      'CALLBACK_QUEUE_DRIVER',
      'CALLBACK_QUEUE_URL',
      'CALLBACK_CALLBACK_MAX_RETRIES',
      'CALLBACK_CALLBACK_CALLER_ID_CALLBACK_CID',
      'CALLBACK_FREESWITCH_NODES',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('gives a new field its variable without anyone listing it', () => {
    const schema = z.strictObject({
      newSection: z.strictObject({ someValue: setting(z.number().int().min(1).max(9).default(4), 'A new knob.') }).prefault({}),
    });
    expect(mapSchema(schema).entries).toEqual([
      expect.objectContaining({ key: 'newSection.someValue', envVar: 'CALLBACK_NEW_SECTION_SOME_VALUE', kind: 'number', allowed: 'an integer from 1 to 9', defaultValue: 4 }),
    ]);
  });

  it.each([
    ['maxRetries', 'MAX_RETRIES'],
    ['operatorApiKey', 'OPERATOR_API_KEY'],
    ['eslPort', 'ESL_PORT'],
    ['publicURL', 'PUBLIC_URL'],
    ['env', 'ENV'],
  ])('spells %s as %s', (key, snake) => {
    expect(screamingSnake(key)).toBe(snake);
  });
});
