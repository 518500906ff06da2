import type { Account, AccountBalance, CallbackRequest, CallerId, CallerIdClaim, Cdr, Leg, PhoneBookEntry } from '../../store';
import { isFinalState, isRequestState } from '../../callback/state/request-state';
import { legStatus } from '../api/views';
import { zoneText } from './format';
import { accountFormat, card, empty, esc, hidden, layout, messages, table, type AccountFormat } from './layout';
import { causeWords, legStateWords, MODE_WORDS, requestStateWords } from './wording';

/*
 * The login and sign-up pages, the account's home page (balance, order form, callbacks, phone book, numbers,
 * history), a callback's page and the error page. The script only adds live updates (it may not
 * run inline: helmet's CSP allows scripts from our own origin only).
 */

/** `signUp`: visitors may open an account themselves (signUp.enabled), so the page says where. */
export function loginPage(options: { csrf: string; error?: string; notice?: string; email?: string; signUp?: boolean }): string {
  return layout(
    'Log in',
    `<section class="card login" aria-labelledby="login-h"><h1 id="login-h">Log in</h1>${messages(options.error, options.notice)}
<form method="post" action="/login">${hidden(options.csrf)}
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required value="${esc(options.email)}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>${options.signUp ? '<p class="hint">New here? <a href="/signup">Open an account</a></p>' : ''}</section>`,
  );
}

/** Self sign-up (signUp.enabled): a login and the subscriber's own number, which gets a code by SMS. */
export function signUpPage(options: { csrf: string; minPasswordLength: number; error?: string; email?: string; number?: string }): string {
  return layout(
    'Open an account',
    `<section class="card login" aria-labelledby="signup-h"><h1 id="signup-h">Open an account</h1>${messages(options.error)}
<form method="post" action="/signup">${hidden(options.csrf)}
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required value="${esc(options.email)}"></p>
<p><label for="password">Password (at least ${options.minPasswordLength} characters)</label><br><input id="password" name="password" type="password" autocomplete="new-password" minlength="${options.minPasswordLength}" required></p>
<p><label for="number">Your phone number</label><br><input id="number" name="number" type="tel" autocomplete="tel" required value="${esc(options.number)}"></p>
<p class="hint">We send a code to this number by SMS. Once you type it in, we call you back on it; until then nothing is called.</p>
<p><button type="submit">Open my account</button></p>
</form><p class="hint">Already have an account? <a href="/">Log in</a></p></section>`,
  );
}

/** A request's state as a badge: words for the subscriber, the raw state for the stylesheet and script. */
function requestBadge(state: string): string {
  return `<span data-field="state" data-state="${esc(state)}" aria-live="polite">${esc(requestStateWords(state))}</span>`;
}

/** A leg's status: W3's word in data-status (what the stream sends), the leg's own state in words. */
function legBadge(leg: Leg): string {
  return `<span data-field="status" data-status="${esc(legStatus(leg.state))}"${leg.answeredAt !== null ? ' data-answered' : ''}>${esc(legStateWords(leg.state))}</span>`;
}

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
  /** Now, for the name of the account's zone (it changes with daylight saving time). */
  now: number;
  error?: string;
  notice?: string;
  /** What the order form showed when it was refused, to show it again. */
  form?: Record<string, string>;
}

function orderForm(v: DashboardView): string {
  if (!v.callerIds.length) return empty('Add one of your numbers below before ordering a callback.');
  const form = v.form ?? {};
  const sources = v.callerIds.map((c) => `<option value="${esc(c.number)}"${form.source === c.number ? ' selected' : ''}>${esc(c.number)}</option>`).join('');
  const checked = (name: string, value: string, byDefault: boolean): string => ((form[name] ?? (byDefault ? value : '')) === value ? ' checked' : '');
  return `<form method="post" action="/callbacks">${hidden(v.csrf)}
<p><label for="source">My number</label><br><select id="source" name="source" required>${sources}</select></p>
<p><label for="destination">Number to call</label><br><input id="destination" name="destination" type="tel" list="phone-book-numbers" autocomplete="off" value="${esc(form.destination)}" aria-describedby="destination-help">
<br><small id="destination-help">Leave empty to be asked for it on the call. Numbers without + are read as numbers of your country.</small></p>
<datalist id="phone-book-numbers">${v.phoneBook.map((e) => `<option value="${esc(e.number)}">${esc(e.name)}</option>`).join('')}</datalist>
<fieldset><legend>Who is called first</legend>
<p><input type="radio" id="mode-source" name="mode" value="source_first"${checked('mode', 'source_first', true)}><label for="mode-source">My number first, then the number to call</label></p>
<p><input type="radio" id="mode-both" name="mode" value="simultaneous"${checked('mode', 'simultaneous', false)}><label for="mode-both">Both at once</label></p></fieldset>
<fieldset><legend>When</legend>
<p><input type="radio" id="when-now" name="when" value="now"${checked('when', 'now', true)}><label for="when-now">Now</label></p>
<p><input type="radio" id="when-later" name="when" value="later"${checked('when', 'later', false)}><label for="when-later">At</label>
<label for="at" class="visually-hidden">date and time</label> <input id="at" name="at" type="datetime-local" value="${esc(form.at)}" aria-describedby="at-help">
<br><small id="at-help">Your time: ${esc(zoneText(v.now, v.account.timeZone, v.account.language))}</small></p></fieldset>
<p><button type="submit">Call me back</button></p></form>`;
}

function callbacksTable(callbacks: readonly CallbackRequest[], f: AccountFormat): string {
  if (!callbacks.length) return empty('No callbacks yet.');
  return table(
    'Latest callbacks',
    [{ label: 'Ordered' }, { label: 'My number' }, { label: 'Number to call' }, { label: 'Order' }, { label: 'Due' }, { label: 'Status' }],
    callbacks.map((r) => ({
      attributes: `data-callback="${esc(r.id)}"`,
      cells: [`<a href="/callbacks/${esc(r.id)}">${f.time(r.createdAt)}</a>`, esc(r.source), esc(r.destination ?? 'asked on the call'), esc(MODE_WORDS[r.mode]), f.time(r.dueAt), requestBadge(r.state)],
    })),
  );
}

/** The CSRF token and a number: what every per-number button of the dashboard posts. */
function numberFields(csrf: string | undefined, number: string): string {
  return `${hidden(csrf)}<input type="hidden" name="number" value="${esc(number)}">`;
}

/** A button removing one number (a phone-book entry, a caller ID), labelled for screen readers. */
function removeForm(action: string, fields: string, label: string): string {
  return `<form method="post" action="${action}">${fields}<button type="submit" class="danger" aria-label="Remove ${esc(label)}">Remove</button></form>`;
}

function phoneBookCard(v: DashboardView): string {
  const entries = v.phoneBook.length
    ? table(
        'Phone book',
        [{ label: 'Name' }, { label: 'Number' }, { label: 'Actions', quiet: true }],
        v.phoneBook.map((e) => ({
          cells: [
            esc(e.name),
            esc(e.number),
            removeForm('/phone-book/delete', numberFields(v.csrf, e.number), e.name),
          ],
        })),
      )
    : empty('Your phone book is empty.');
  return card(
    'phone-book',
    'Phone book',
    `${entries}
<form method="post" action="/phone-book">${hidden(v.csrf)}<h3>Add an entry</h3>
<p><label for="pb-name">Name</label><br><input id="pb-name" name="name" required maxlength="100"></p>
<p><label for="pb-number">Number</label><br><input id="pb-number" name="number" type="tel" required></p>
<p><button type="submit">Save</button></p></form>`,
  );
}

function numbersCard(v: DashboardView): string {
  const numbers = v.callerIds.length
    ? table(
        'Authorized numbers',
        [{ label: 'Number' }, { label: 'Acts for my account when it calls or texts' }, { label: 'Actions', quiet: true }],
        v.callerIds.map((c) => ({
          cells: [
            esc(c.number),
            c.allowAuthorization ? 'Yes' : 'No',
            removeForm('/caller-ids/delete', numberFields(v.csrf, c.number), c.number),
          ],
        })),
      )
    : empty('No numbers yet.');
  const pending = v.pendingCallerIds.length
    ? table(
        'Waiting for the code we sent them by SMS',
        [{ label: 'Number' }, { label: 'Code' }, { label: 'Actions', quiet: true }],
        v.pendingCallerIds.map((c) => {
          const number = numberFields(v.csrf, c.number);
          return {
            cells: [
              esc(c.number),
              `<form method="post" action="/caller-ids/verify">${number}<label for="code-${c.id}" class="visually-hidden">Code for ${esc(c.number)}</label><input id="code-${c.id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required> <button type="submit">Confirm</button></form>`,
              `<form method="post" action="/caller-ids/resend">${number}<button type="submit" aria-label="Send a new code to ${esc(c.number)}">New code</button></form>${removeForm('/caller-ids/delete', number, c.number)}`,
            ],
          };
        }),
      )
    : '';
  return card(
    'numbers',
    'My numbers',
    `${numbers}${pending}
<form method="post" action="/caller-ids">${hidden(v.csrf)}<h3>Add a number</h3>
<p><label for="cid-number">Number</label><br><input id="cid-number" name="number" type="tel" required></p>
<p class="check"><input type="checkbox" id="cid-auth" name="allowAuthorization" value="yes"><label for="cid-auth">Calls and texts from this number act for my account</label></p>
<p class="hint">We send a code to the number by SMS; it counts once you type the code in.</p>
<p><button type="submit">Add</button></p></form>`,
  );
}

/** One row per leg (B4's records), each with its length and cost. */
function historyTable(history: readonly Cdr[], f: AccountFormat): string {
  if (!history.length) return empty('No calls yet.');
  return table(
    'Call history',
    [{ label: 'Started' }, { label: 'Number' }, { label: 'Duration', numeric: true }, { label: 'Cost', numeric: true }, { label: 'Result' }],
    history.map((c) => ({ cells: [f.time(c.startedAt), esc(c.number), f.duration(c.billsec), f.money(c.costMinor), esc(causeWords(c.hangupCause))] })),
  );
}

export function dashboardPage(v: DashboardView): string {
  const f = accountFormat(v.account);
  const balance = `<dl class="figures"><div><dt>Balance</dt><dd>${f.money(v.balance.balanceMinor)}</dd></div><div><dt>Held for calls in progress</dt><dd>${f.money(v.balance.reservedMinor)}</dd></div><div><dt>Available</dt><dd>${f.money(v.balance.availableMinor)}</dd></div></dl>`;
  return layout(
    'My account',
    `<h1>${esc(v.account.name)}</h1>${messages(v.error, v.notice)}
<div class="grid">${card('balance', 'Balance', balance)}${card('order', 'Order a callback', orderForm(v))}</div>
${card('callbacks', 'My callbacks', callbacksTable(v.callbacks, f), ' data-live-account')}
${card('history', 'History', historyTable(v.history, f))}
<div class="grid">${phoneBookCard(v)}${numbersCard(v)}</div>`,
    { email: v.email, csrf: v.csrf, current: 'home' },
  );
}

export function callbackPage(v: { account: Account; email: string; csrf: string; request: CallbackRequest; legs: readonly Leg[]; notice?: string; error?: string }): string {
  const { account, request: r } = v;
  const f = accountFormat(account);
  const legs = table(
    'Legs',
    [{ label: 'Leg' }, { label: 'Attempt', numeric: true }, { label: 'Number' }, { label: 'Status' }, { label: 'Reason' }, { label: 'Duration', numeric: true }, { label: 'Cost', numeric: true }],
    v.legs.map((l) => ({
      attributes: `data-leg="${esc(l.uuid)}"`,
      cells: [esc(l.role), String(l.attempt), esc(l.number), legBadge(l), esc(causeWords(l.hangupCause)), f.duration(l.billsec), f.money(l.costMinor)],
    })),
    'data-field="legs" aria-live="polite"',
  );
  const total = v.legs.some((l) => l.costMinor !== null) ? f.money(v.legs.reduce((sum, l) => sum + (l.costMinor ?? 0), 0)) : '';
  const cancellable = !(isRequestState(r.state) && isFinalState(r.state));
  const status = `<dl class="facts"><dt>Status</dt><dd>${requestBadge(r.state)}</dd><dt>Reason</dt><dd data-field="cause">${esc(causeWords(r.lastCause))}</dd>
<dt>My number</dt><dd>${esc(r.source)}</dd><dt>Number to call</dt><dd>${esc(r.destination ?? 'asked on the call')}</dd><dt>Order</dt><dd>${esc(MODE_WORDS[r.mode])}</dd><dt>Ordered</dt><dd>${f.time(r.createdAt)}</dd><dt>Due</dt><dd>${f.time(r.dueAt)}</dd><dt>Total cost</dt><dd data-field="total">${total}</dd></dl>`;
  return layout(
    'Callback',
    `<h1>Callback to ${esc(r.destination ?? 'a number asked on the call')}</h1>${messages(v.error, v.notice)}
<section class="card" data-watch="${esc(r.id)}" data-number-a="${esc(r.source)}" data-number-b="${esc(r.destination ?? '')}" data-currency="${esc(account.currency)}" data-locale="${esc(account.language)}" aria-labelledby="status-h"><h2 id="status-h">Status</h2>
${status}
${legs}
</section>
${cancellable ? `<form method="post" action="/callbacks/${esc(r.id)}/cancel" data-cancel>${hidden(v.csrf)}<button type="submit" class="secondary">Cancel this callback</button></form>` : ''}
<p><a href="/">Back to my account</a></p>`,
    { email: v.email, csrf: v.csrf },
  );
}

export function errorPage(status: number, message: string): string {
  return layout(`Error ${status}`, `<section class="card"><h1>${esc(message)}</h1><p><a href="/">Back</a></p></section>`);
}
