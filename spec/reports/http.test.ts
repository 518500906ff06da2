import express from 'express';
import request from 'supertest';
import { parseCsv, reportHandler } from '../../lib/billing/reports';
import { describeEachDatabase } from '../support/databases';
import { seedLegs } from './seed';

describeEachDatabase('reports handler', (getDb) => {
  let app: express.Express;
  beforeAll(async () => {
    await seedLegs(getDb());
    app = express();
    app.get('/reports', reportHandler(getDb()));
  });

  it('answers JSON with lines and per-currency totals', async () => {
    const response = await request(app).get('/reports').query({ by: 'destination', timeZone: 'Europe/Berlin' }).expect(200);
    expect(response.body.grouping).toEqual({ by: ['destination'], period: 'day', timeZone: 'Europe/Berlin', destinationDigits: null });
    expect(response.body.lines.map((line: { destination: string; calls: number }) => [line.destination, line.calls])).toEqual([
      ['1', 1],
      ['44', 1],
      ['49', 2],
      ['49', 2],
      ['unrated', 1],
    ]);
    expect(response.body.totals).toHaveLength(3);
  });

  it('groups by carrier, with cost and margin beside revenue (issue #17)', async () => {
    const response = await request(app).get('/reports').query({ by: 'carrier' }).expect(200);
    const acme = response.body.lines.find((line: { carrier: string | null; currency: string | null }) => line.carrier === 'acme' && line.currency === 'USD');
    expect(acme).toMatchObject({ calls: 2, answered: 2, revenueMinor: 42, costMinor: 25, marginMinor: 17, uncosted: 0, asr: 1, acdSeconds: 82.5 });
  });

  it('exports CSV on request', async () => {
    const response = await request(app).get('/reports?by=period&period=month&format=csv').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toContain('report.csv');
    const records = parseCsv(response.text).map((record) => record.fields.slice(0, 4));
    expect(records).toEqual([
      ['period', 'currency', 'calls', 'answered'],
      ['2026-03', 'EUR', '2', '1'],
      ['2026-03', 'USD', '3', '2'],
      ['2026-03', '', '1', '1'],
      ['2026-04', 'USD', '1', '1'],
    ]);
  });

  it('refuses a bad query with 400 naming each field', async () => {
    const response = await request(app).get('/reports?period=week&by=planet').expect(400);
    expect(response.body.error.code).toBe('invalid_report_request');
    expect(response.body.error.issues.map((issue: { field: string }) => issue.field)).toEqual(['by', 'period']);
    const repeated = await request(app).get('/reports?by=account&by=period').expect(400);
    expect(repeated.body.error.issues).toEqual([{ field: 'by', message: 'give it once' }]);
  });
});
