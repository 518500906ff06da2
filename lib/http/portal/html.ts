import { DateTime } from 'luxon';
import type { Account, AccountBalance, CallbackRequest, CallerId, CallerIdClaim, Cdr, Leg, PhoneBookEntry } from '../../store';
import { isFinalState, isRequestState } from '../../callback/state/request-state';
import { legStatus } from '../api/views';
import { CSRF_FIELD } from './session';

/*
 * Server-rendered pages: plain HTML that works without CSS or JavaScript. The script only adds
 * live updates (it may not run inline: helmet's CSP allows scripts from our own origin only).
 */

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string, email?: string, csrf?: string): string {
  const header = email
    ? `<header><p>Logged in as ${esc(email)}</p>
<form method="post" action="/logout">${hidden(csrf)}<button type="submit">Log out</button></form>
<nav aria-label="Portal"><ul><li><a href="/">Home</a></li><li><a href="/#order">Order a callback</a></li><li><a href="/#phone-book">Phone book</a></li><li><a href="/#numbers">My numbers</a></li><li><a href="/#history">History</a></li></ul></nav></header>`
    : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} – Callback</title>
<link rel="icon" href="data:,">
<script src="/portal/app.js" defer></script></head>
<body>${header}<main>${body}</main></body>
</html>`;
}

function hidden(csrf: string | undefined): string {
  return csrf ? `<input type="hidden" name="${CSRF_FIELD}" value="${esc(csrf)}">` : '';
}

function messages(error?: string, notice?: string): string {
  return (error ? `<p role="alert" class="error">${esc(error)}</p>` : '') + (notice ? `<p role="status">${esc(notice)}</p>` : '');
}

export function loginPage(options: { csrf: string; error?: string; email?: string }): string {
  return layout(
    'Log in',
    `<h1>Log in</h1>${messages(options.error)}
<form method="post" action="/login">${hidden(options.csrf)}
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required value="${esc(options.email)}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>`,
  );
}

export function money(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

export function when(ms: number | null, account: Account): string {
  if (ms === null) return '';
  const time = DateTime.fromMillis(ms, { zone: account.timeZone });
  return `<time datetime="${esc(time.toUTC().toISO())}">${esc(time.toFormat('yyyy-LL-dd HH:mm:ss'))}</time>`;
}

const MODE_LABEL: Record<string, string> = { source_first: 'My number first', simultaneous: 'Both at once' };

export interface DashboardView {
  account: Account;
  email: string;
  csrf: string;
  balance: AccountBalance;
  callerIds: readonly CallerId[];
  /** Numbers registered whose code has not been typed back yet (#15 item 8). */
  pendingCallerIds: readonly CallerIdClaim[];
  phoneBook: readonly PhoneBookEntry[];
  callbacks: readonly CallbackRequest[];
  history: readonly Cdr[];
  error?: string;
  notice?: string;
  /** What the order form showed when it was refused, to show it again. */
  form?: Record<string, string>;
}

function callbackRow(r: CallbackRequest, account: Account): string {
  return `<tr data-callback="${esc(r.id)}"><td><a href="/callbacks/${esc(r.id)}">${when(r.createdAt, account)}</a></td><td>${esc(r.source)}</td><td>${esc(r.destination ?? 'asked on the call')}</td><td>${esc(MODE_LABEL[r.mode] ?? r.mode)}</td><td>${when(r.dueAt, account)}</td><td data-field="state">${esc(r.state)}</td></tr>`;
}

export function dashboardPage(v: DashboardView): string {
  const { account, csrf } = v;
  const form = v.form ?? {};
  const sources = v.callerIds.length
    ? v.callerIds.map((c) => `<option value="${esc(c.number)}"${form.source === c.number ? ' selected' : ''}>${esc(c.number)}</option>`).join('')
    : '';
  const checked = (name: string, value: string, byDefault: boolean): string => ((form[name] ?? (byDefault ? value : '')) === value ? ' checked' : '');
  const order = v.callerIds.length
    ? `<form method="post" action="/callbacks">${hidden(csrf)}
<p><label for="source">My number</label><br><select id="source" name="source" required>${sources}</select></p>
<p><label for="destination">Number to call</label><br><input id="destination" name="destination" type="tel" list="phone-book-numbers" autocomplete="off" value="${esc(form.destination)}" aria-describedby="destination-help">
<br><small id="destination-help">Leave empty to be asked for it on the call.</small></p>
<datalist id="phone-book-numbers">${v.phoneBook.map((e) => `<option value="${esc(e.number)}">${esc(e.name)}</option>`).join('')}</datalist>
<fieldset><legend>Who is called first</legend>
<p><input type="radio" id="mode-source" name="mode" value="source_first"${checked('mode', 'source_first', true)}><label for="mode-source">My number first, then the number to call</label></p>
<p><input type="radio" id="mode-both" name="mode" value="simultaneous"${checked('mode', 'simultaneous', false)}><label for="mode-both">Both at once</label></p></fieldset>
<fieldset><legend>When</legend>
<p><input type="radio" id="when-now" name="when" value="now"${checked('when', 'now', true)}><label for="when-now">Now</label></p>
<p><input type="radio" id="when-later" name="when" value="later"${checked('when', 'later', false)}><label for="when-later">At</label>
<label for="at">date and time (${esc(account.timeZone)})</label> <input id="at" name="at" type="datetime-local" value="${esc(form.at)}"></p></fieldset>
<p><button type="submit">Call me back</button></p></form>`
    : '<p>Add one of your numbers below before ordering a callback.</p>';

  const callbacks = v.callbacks.length
    ? `<table><caption>Latest callbacks</caption><thead><tr><th scope="col">Ordered</th><th scope="col">My number</th><th scope="col">Number to call</th><th scope="col">Order</th><th scope="col">Due</th><th scope="col">State</th></tr></thead><tbody>${v.callbacks.map((r) => callbackRow(r, account)).join('')}</tbody></table>`
    : '<p>No callbacks yet.</p>';

  const phoneBook = `${
    v.phoneBook.length
      ? `<table><caption>Phone book</caption><thead><tr><th scope="col">Name</th><th scope="col">Number</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${v.phoneBook
          .map(
            (e) =>
              `<tr><td>${esc(e.name)}</td><td>${esc(e.number)}</td><td><form method="post" action="/phone-book/delete">${hidden(csrf)}<input type="hidden" name="number" value="${esc(e.number)}"><button type="submit" aria-label="Remove ${esc(e.name)}">Remove</button></form></td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p>Your phone book is empty.</p>'
  }
<form method="post" action="/phone-book">${hidden(csrf)}<h3>Add an entry</h3>
<p><label for="pb-name">Name</label><br><input id="pb-name" name="name" required maxlength="100"></p>
<p><label for="pb-number">Number</label><br><input id="pb-number" name="number" type="tel" required></p>
<p><button type="submit">Save</button></p></form>`;

  const numbers = `${
    v.callerIds.length
      ? `<table><caption>Authorized numbers</caption><thead><tr><th scope="col">Number</th><th scope="col">Acts for my account when it calls or texts</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${v.callerIds
          .map(
            (c) =>
              `<tr><td>${esc(c.number)}</td><td>${c.allowAuthorization ? 'yes' : 'no'}</td><td><form method="post" action="/caller-ids/delete">${hidden(csrf)}<input type="hidden" name="number" value="${esc(c.number)}"><button type="submit" aria-label="Remove ${esc(c.number)}">Remove</button></form></td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p>No numbers yet.</p>'
  }${
    v.pendingCallerIds.length
      ? `<table><caption>Waiting for the code we sent them by SMS</caption><thead><tr><th scope="col">Number</th><th scope="col">Code</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${v.pendingCallerIds
          .map((c) => {
            const number = `${hidden(csrf)}<input type="hidden" name="number" value="${esc(c.number)}">`;
            return `<tr><td>${esc(c.number)}</td><td><form method="post" action="/caller-ids/verify">${number}<label for="code-${c.id}" class="visually-hidden">Code for ${esc(c.number)}</label><input id="code-${c.id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required> <button type="submit">Confirm</button></form></td><td><form method="post" action="/caller-ids/resend">${number}<button type="submit" aria-label="Send a new code to ${esc(c.number)}">New code</button></form><form method="post" action="/caller-ids/delete">${number}<button type="submit" aria-label="Remove ${esc(c.number)}">Remove</button></form></td></tr>`;
          })
          .join('')}</tbody></table>`
      : ''
  }
<form method="post" action="/caller-ids">${hidden(csrf)}<h3>Add a number</h3>
<p><label for="cid-number">Number</label><br><input id="cid-number" name="number" type="tel" required></p>
<p><input type="checkbox" id="cid-auth" name="allowAuthorization" value="yes"><label for="cid-auth">Calls and texts from this number act for my account</label></p>
<p><small>We send a code to the number by SMS; it counts once you type the code in.</small></p>
<p><button type="submit">Add</button></p></form>`;

  const history = v.history.length
    ? `<table><caption>Call history</caption><thead><tr><th scope="col">Started</th><th scope="col">Number</th><th scope="col">Seconds</th><th scope="col">Cost</th><th scope="col">Result</th></tr></thead><tbody>${v.history
        .map((c) => `<tr><td>${when(c.startedAt, account)}</td><td>${esc(c.number)}</td><td>${c.billsec}</td><td>${esc(money(c.costMinor, account.currency))}</td><td>${esc(c.hangupCause ?? '')}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>No calls yet.</p>';

  return layout(
    'My account',
    `<h1>${esc(account.name)}</h1>${messages(v.error, v.notice)}
<section aria-labelledby="balance-h"><h2 id="balance-h">Balance</h2>
<dl><dt>Balance</dt><dd>${esc(money(v.balance.balanceMinor, account.currency))}</dd><dt>Held for calls in progress</dt><dd>${esc(money(v.balance.reservedMinor, account.currency))}</dd><dt>Available</dt><dd>${esc(money(v.balance.availableMinor, account.currency))}</dd></dl></section>
<section id="order" aria-labelledby="order-h"><h2 id="order-h">Order a callback</h2>${order}</section>
<section id="callbacks" aria-labelledby="callbacks-h" data-live-account><h2 id="callbacks-h">My callbacks</h2>${callbacks}</section>
<section id="phone-book" aria-labelledby="pb-h"><h2 id="pb-h">Phone book</h2>${phoneBook}</section>
<section id="numbers" aria-labelledby="numbers-h"><h2 id="numbers-h">My numbers</h2>${numbers}</section>
<section id="history" aria-labelledby="history-h"><h2 id="history-h">History</h2>${history}</section>`,
    v.email,
    csrf,
  );
}

export function callbackPage(v: { account: Account; email: string; csrf: string; request: CallbackRequest; legs: readonly Leg[]; notice?: string; error?: string }): string {
  const { account, request: r } = v;
  const legs = v.legs.length
    ? v.legs.map((l) => `<tr data-leg="${esc(l.uuid)}"><td>${esc(l.role)}</td><td>${l.attempt}</td><td>${esc(l.number)}</td><td data-field="status">${esc(legStatus(l.state))}</td><td>${esc(l.hangupCause ?? '')}</td></tr>`).join('')
    : '';
  const cancellable = !(isRequestState(r.state) && isFinalState(r.state));
  return layout(
    'Callback',
    `<h1>Callback to ${esc(r.destination ?? 'a number asked on the call')}</h1>${messages(v.error, v.notice)}
<section data-watch="${esc(r.id)}" data-number-a="${esc(r.source)}" data-number-b="${esc(r.destination ?? '')}" aria-labelledby="status-h"><h2 id="status-h">Status</h2>
<dl><dt>My number</dt><dd>${esc(r.source)}</dd><dt>Number to call</dt><dd>${esc(r.destination ?? 'asked on the call')}</dd><dt>Order</dt><dd>${esc(MODE_LABEL[r.mode] ?? r.mode)}</dd><dt>Due</dt><dd>${when(r.dueAt, account)}</dd>
<dt>State</dt><dd data-field="state" aria-live="polite">${esc(r.state)}</dd><dt>Last cause</dt><dd data-field="cause">${esc(r.lastCause ?? '')}</dd></dl>
<table><caption>Legs</caption><thead><tr><th scope="col">Leg</th><th scope="col">Attempt</th><th scope="col">Number</th><th scope="col">Status</th><th scope="col">Hangup cause</th></tr></thead><tbody data-field="legs" aria-live="polite">${legs}</tbody></table>
</section>
${cancellable ? `<form method="post" action="/callbacks/${esc(r.id)}/cancel" data-cancel>${hidden(v.csrf)}<button type="submit">Cancel this callback</button></form>` : ''}
<p><a href="/">Back to my account</a></p>`,
    v.email,
    v.csrf,
  );
}

export function errorPage(status: number, message: string): string {
  return layout(`Error ${status}`, `<h1>${esc(message)}</h1><p><a href="/">Back</a></p>`);
}
