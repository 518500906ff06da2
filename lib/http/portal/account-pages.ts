import type { Account, Fax, Payment, Rate, Recording, Tariff } from '../../store';
import { accountFormat, card, empty, esc, layout, table, type Viewer } from './layout';
import { FAX_STATUS_WORDS, paymentMethodWords } from './wording';

/*
 * The read-only pages of an account: recordings and faxes (played and downloaded through the
 * API's media routes, which the portal mounts under the session: /portal/api/v1/...), payments
 * and the account's own rates.
 */

const MEDIA = '/portal/api/v1';

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function callLink(requestId: string | null): string {
  return requestId ? `<a href="/callbacks/${esc(requestId)}">Show the call</a>` : '';
}

export function recordingsPage(v: { account: Account; viewer: Viewer; recordings: readonly Recording[] }): string {
  const f = accountFormat(v.account);
  const list = v.recordings.length
    ? table(
        'Recordings',
        [{ label: 'Recorded' }, { label: 'Length', numeric: true }, { label: 'Size', numeric: true }, { label: 'Listen' }, { label: 'Call' }],
        v.recordings.map((r) => {
          const file = `${MEDIA}/recordings/${r.id}/file`;
          return {
            cells: [
              f.time(r.createdAt),
              f.duration(Math.round(r.durationMs / 1000)),
              esc(sizeText(r.bytes)),
              `<audio controls preload="none" src="${file}"></audio> <a href="${file}" download>Download</a>`,
              callLink(r.requestId),
            ],
          };
        }),
      )
    : empty('No recordings yet. During a call, press *8 to start recording and *9 to stop.');
  return layout('Recordings', `<h1>Recordings</h1>${card('recordings', 'Your recordings', list)}`, { ...v.viewer, current: 'recordings' });
}

export function faxesPage(v: { account: Account; viewer: Viewer; faxes: readonly Fax[] }): string {
  const f = accountFormat(v.account);
  const list = v.faxes.length
    ? table(
        'Faxes',
        [{ label: 'Received' }, { label: 'Pages', numeric: true }, { label: 'Status' }, { label: 'Size', numeric: true }, { label: 'Download' }, { label: 'Call' }],
        v.faxes.map((x) => {
          const file = `${MEDIA}/faxes/${x.id}/file`;
          const links = [`<a href="${file}" download>TIFF</a>`, ...(x.pdfPath !== null ? [`<a href="${file}?format=pdf" download>PDF</a>`] : [])].join(' · ');
          return { cells: [f.time(x.createdAt), String(x.pages), esc(FAX_STATUS_WORDS[x.status]), esc(sizeText(x.bytes)), links, callLink(x.requestId)] };
        }),
      )
    : empty('No faxes yet. During a call, press *1 to hand the other party to fax reception.');
  return layout('Faxes', `<h1>Faxes</h1>${card('faxes', 'Received faxes', list)}`, { ...v.viewer, current: 'faxes' });
}

export function paymentsPage(v: { account: Account; viewer: Viewer; payments: readonly Payment[] }): string {
  const f = accountFormat(v.account);
  const list = v.payments.length
    ? table(
        'Payments',
        [{ label: 'Date' }, { label: 'Amount', numeric: true }, { label: 'Kind' }, { label: 'Method' }, { label: 'Reference' }],
        v.payments.map((p) => ({ cells: [f.time(p.createdAt), f.money(p.amountMinor), p.amountMinor < 0 ? 'Correction' : 'Top-up', esc(paymentMethodWords(p.method)), esc(p.reference ?? '')] })),
      )
    : empty('No payments yet.');
  return layout('Payments', `<h1>Payments</h1>${card('payments', 'Payment history', list)}`, { ...v.viewer, current: 'payments' });
}

export interface TariffRates {
  /** What the tariff prices, for the card's title. */
  title: string;
  tariff: Tariff | null;
  rates: readonly Rate[];
  /** More rates matched than the page shows. */
  more: boolean;
}

function ratesTable(t: TariffRates, f: ReturnType<typeof accountFormat>, query: string): string {
  if (!t.tariff) return empty('No tariff is set for your account.');
  if (!t.rates.length) return empty(query ? 'No rate matches your search.' : 'This tariff has no rates.');
  const more = t.more ? `<p class="hint">Showing the first ${t.rates.length} rates: search for a number or destination to find others.</p>` : '';
  return more + table(
    `Tariff: ${t.tariff.name}`,
    [{ label: 'Destination' }, { label: 'Prefix' }, { label: 'Per minute', numeric: true }, { label: 'Connection fee', numeric: true }, { label: 'Billed in steps of', numeric: true }],
    t.rates.map((r) => ({
      cells: [
        esc(r.description),
        `+${esc(r.prefix)}`,
        f.rate(r.ratePerMinute),
        f.money(r.connectionFeeMinor),
        esc(`${r.incrementFirstSeconds} s, then ${r.incrementNextSeconds} s${r.minimumSeconds > 0 ? ` (at least ${r.minimumSeconds} s)` : ''}`),
      ],
    })),
  );
}

export function ratesPage(v: { account: Account; viewer: Viewer; query: string; tariffs: readonly TariffRates[] }): string {
  const f = accountFormat(v.account);
  const search = `<form method="get" action="/rates" class="search" role="search"><p><label for="rates-q">Number, prefix or destination</label><br><input id="rates-q" name="q" type="search" value="${esc(v.query)}" maxlength="40"></p><p><button type="submit">Search</button></p></form>`;
  const cards = v.tariffs.map((t, i) => card(`rates-${i}`, t.title, ratesTable(t, f, v.query))).join('');
  return layout('My rates', `<h1>My rates</h1>${card('rates-search', 'Find a rate', search)}${cards}`, { ...v.viewer, current: 'rates' });
}
