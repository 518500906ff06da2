import type { Account } from '../../store';
import { durationText, moneyText, rateText, timeText } from './format';
import { CSRF_FIELD } from './session';

/*
 * The frame every portal page shares: head (the one stylesheet and script, both files of our own
 * origin for the CSP), the header with the navigation, cards and tables. Pages are plain HTML
 * that works without CSS or JavaScript.
 */

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The portal's pages, in navigation order; `anchor` ones are sections of the home page. */
export const NAV = [
  { id: 'home', href: '/', label: 'Home' },
  { id: 'history', href: '/#history', label: 'History' },
  { id: 'phone-book', href: '/#phone-book', label: 'Phone book' },
  { id: 'numbers', href: '/#numbers', label: 'My numbers' },
  { id: 'recordings', href: '/recordings', label: 'Recordings' },
  { id: 'faxes', href: '/faxes', label: 'Faxes' },
  { id: 'payments', href: '/payments', label: 'Payments' },
  { id: 'rates', href: '/rates', label: 'My rates' },
] as const;
export type PageId = (typeof NAV)[number]['id'];

/** Who is logged in, for the header; absent on the login and error pages. */
export interface Viewer {
  email: string;
  csrf: string;
  current?: PageId;
}

export function layout(title: string, body: string, viewer?: Viewer): string {
  const header = viewer
    ? `<header class="site-header"><div class="bar"><a class="brand" href="/">Call<span>back</span></a><p class="who">Logged in as ${esc(viewer.email)}</p>
<form method="post" action="/logout">${hidden(viewer.csrf)}<button type="submit" class="secondary">Log out</button></form></div>
<nav class="site-nav" aria-label="Portal"><ul>${NAV.map((item) => `<li><a href="${item.href}"${item.id === viewer.current ? ' aria-current="page"' : ''}>${esc(item.label)}</a></li>`).join('')}</ul></nav></header>`
    : `<header class="site-header"><div class="bar"><a class="brand" href="/">Call<span>back</span></a></div></header>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} – Callback</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/portal/app.css">
<script src="/portal/app.js" defer></script></head>
<body>${header}<main>${body}</main></body>
</html>`;
}

export function hidden(csrf: string | undefined): string {
  return csrf ? `<input type="hidden" name="${CSRF_FIELD}" value="${esc(csrf)}">` : '';
}

export function messages(error?: string, notice?: string): string {
  return (error ? `<p role="alert" class="alert error">${esc(error)}</p>` : '') + (notice ? `<p role="status" class="alert notice">${esc(notice)}</p>` : '');
}

/** A titled card; `id` makes it a target of the navigation. */
export function card(id: string, title: string, body: string, attributes = ''): string {
  return `<section class="card" id="${esc(id)}" aria-labelledby="${esc(id)}-h"${attributes}><h2 id="${esc(id)}-h">${esc(title)}</h2>${body}</section>`;
}

export interface Column {
  label: string;
  numeric?: boolean;
  /** For a column of buttons: the header is for screen readers only. */
  quiet?: boolean;
}

export interface Row {
  /** Attributes of the row (already escaped), e.g. data-callback. */
  attributes?: string;
  /** Cells as HTML (already escaped). */
  cells: readonly string[];
  /** Attributes of single cells, by column index (already escaped). */
  cellAttributes?: Readonly<Record<number, string>>;
}

/** A table that turns into labelled lines on a phone (each cell carries its column's label). */
export function table(caption: string, columns: readonly Column[], rows: readonly Row[], bodyAttributes = ''): string {
  const head = columns.map((c) => `<th scope="col"${c.numeric ? ' class="num"' : ''}>${c.quiet ? `<span class="visually-hidden">${esc(c.label)}</span>` : esc(c.label)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr${row.attributes ? ` ${row.attributes}` : ''}>${row.cells
          .map((cell, i) => {
            const column = columns[i];
            return `<td data-label="${esc(column?.quiet ? '' : column?.label)}"${column?.numeric ? ' class="num"' : ''}${row.cellAttributes?.[i] ? ` ${row.cellAttributes[i]}` : ''}>${cell}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table class="stack"><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody${bodyAttributes ? ` ${bodyAttributes}` : ''}>${body}</tbody></table></div>`;
}

export function empty(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

/** Amounts, rates, times and durations of one account, as its pages show them (escaped HTML). */
export interface AccountFormat {
  money(minor: number | null): string;
  rate(microUnits: number): string;
  time(ms: number | null): string;
  duration(seconds: number | null): string;
}

export function accountFormat(account: Account): AccountFormat {
  const locale = account.language;
  return {
    money: (minor) => (minor === null ? '' : esc(moneyText(minor, account.currency, locale))),
    rate: (microUnits) => esc(rateText(microUnits, account.currency, locale)),
    time: (ms) => (ms === null ? '' : `<time datetime="${esc(new Date(ms).toISOString())}">${esc(timeText(ms, account.timeZone, locale))}</time>`),
    duration: (seconds) => (seconds === null ? '' : esc(durationText(seconds))),
  };
}
