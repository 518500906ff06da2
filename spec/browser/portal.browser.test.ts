import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO } from '../../db/seeds/demo';
import { testLogger } from '../../lib/log/logger';
import { embeddedServiceSettings } from '../support/service-settings';
import { startService, type RunningService } from '../../lib/service/start-service';
import { chromiumBinary, describeWith } from '../support/external-services';

/*
 * W5 in a real browser: Debian's chromium (apt-get install chromium, as .ci/run does), driven by
 * playwright-core, against the whole service started in-process on SQLite with the FreeSWITCH
 * simulator. Never `npx playwright install`: that downloads a browser of its own.
 */

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const DESTINATION = '+493012345678';
/** Screenshots go here (CI keeps them as artifacts); the paths are printed in the test output. */
const ARTIFACTS = process.env.CALLBACK_TEST_ARTIFACTS_DIR ?? join(tmpdir(), 'callback-browser-artifacts');

/** What the page's leg cells showed, in order, as the browser saw them change (role → statuses). */
interface Seen {
  [role: string]: string[];
}

/** Runs in the page before its own script: records each status a leg's cell holds (W3's word in data-status), as it changes. */
const RECORD_LEG_STATUSES = `(function () {
  var seen = {};
  window.seenStatuses = seen;
  function record() {
    document.querySelectorAll('tr[data-leg]').forEach(function (row) {
      var role = row.children[0] ? row.children[0].textContent : '';
      var cell = row.querySelector('[data-field="status"]');
      var status = cell ? cell.getAttribute('data-status') : '';
      if (!role || !status) return;
      var list = seen[role] || (seen[role] = []);
      if (list[list.length - 1] !== status) list.push(status);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
})();`;

describeWith(chromiumBinary(), 'the subscriber portal in a real browser (W5)', (chromiumPath) => {
  jest.setTimeout(60_000);
  let dir: string;
  let profile: string;
  let service: RunningService | undefined;
  let context: BrowserContext | undefined;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callback-browser-'));
    profile = mkdtempSync(join(tmpdir(), 'callback-chromium-profile-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const settings = embeddedServiceSettings(dir);
    service = await startService(settings, testLogger());
    base = `http://127.0.0.1:${service.httpPort}`;
    // Leg B answers a little later, so the page is open and watching before the legs move on.
    const simulator = service.telephony.simulator!;
    simulator.setPhone(DEMO.callerId, { kind: 'answer', afterMs: 50, hangupAfterMs: 5_000 });
    simulator.setPhone(DESTINATION, { kind: 'answer', afterMs: 1_000, hangupAfterMs: 300 });
    // A fresh, empty profile (--user-data-dir): Playwright takes it as launchPersistentContext's directory.
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await context?.close();
    await service?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function screenshot(page: Page, name: string): Promise<Buffer> {
    const path = join(ARTIFACTS, `portal-${name}.png`);
    const png = await page.screenshot({ path, fullPage: true });
    // The path is part of the test output, for CI to keep.
    process.stdout.write(`browser screenshot: ${path}\n`);
    return png;
  }

  async function logIn(page: Page): Promise<void> {
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill(DEMO.portalEmail);
    await page.getByLabel('Password').fill(DEMO.portalPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText(`Logged in as ${DEMO.portalEmail}`).waitFor();
  }

  /** My number, the number to call, now, my number first; ends on the callback's page. */
  async function orderCallback(page: Page): Promise<void> {
    await page.getByLabel('My number', { exact: true }).selectOption(DEMO.callerId);
    await page.getByLabel('Number to call', { exact: true }).fill(DESTINATION);
    await page.getByLabel('My number first, then the number to call').check();
    await page.getByLabel('Now', { exact: true }).check();
    await page.getByRole('button', { name: 'Call me back' }).click();
    await page.waitForURL(/\/callbacks\/[^/]+$/);
    await page.getByRole('heading', { name: `Callback to ${DESTINATION}` }).waitFor();
  }

  it('logs in, orders a callback, watches both legs live until completed, shows history and balance, logs out', async () => {
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    // Records every status a leg's cell shows, as the page changes it (the live updates).
    // (Browser-side code as strings: the project's tsconfig has no DOM types.)
    await page.addInitScript({ content: RECORD_LEG_STATUSES });

    await logIn(page);
    const balanceBefore = await availableBalance(page);
    await orderCallback(page);

    // Both legs change state on the page, without a reload, until the callback is over.
    const legStatus = (role: string) => page.locator('tr[data-leg]', { has: page.locator('td:first-child', { hasText: new RegExp(`^${role}$`) }) }).locator('[data-field="status"]');
    await legStatus('B').waitFor();
    await screenshot(page, 'callback-live');
    const statusCells = page.locator('tr[data-leg] [data-field="status"]');
    await until(async () => {
      const statuses = await legStatuses(page);
      return statuses.length >= 2 && statuses.every((s) => s === 'completed');
    }, 20_000, async () => `leg statuses on the page: ${JSON.stringify(await legStatuses(page))}`);
    await page.locator('[data-field="state"]', { hasText: 'Finished' }).waitFor();
    // Both legs answered and talked: the page says so in words, and fills in their length and cost.
    await expect(statusCells.allTextContents()).resolves.toEqual(['Call ended', 'Call ended']);
    await until(async () => /\$\d+\.\d{2}/.test((await page.locator('[data-field="total"]').textContent()) ?? ''), 10_000, async () => `total: ${await page.locator('[data-field="total"]').textContent()}`);
    await screenshot(page, 'callback-completed');

    const seen = (await page.evaluate('window.seenStatuses')) as Seen;
    process.stdout.write(`leg statuses seen on the page: ${JSON.stringify(seen)}\n`);
    // Leg B answered well after the page opened: the page showed it go through its states live.
    expect(seen.A).toEqual(expect.arrayContaining(['completed']));
    expect(seen.B).toEqual(expect.arrayContaining(['bridged', 'completed']));
    expect(seen.A!.some((s) => s === 'answered' || s === 'bridged')).toBe(true);
    expect(seen.B!.indexOf('bridged')).toBeLessThan(seen.B!.indexOf('completed'));
    expect(seen.A!.indexOf('completed')).toBe(seen.A!.length - 1);
    await expect(legStatus('A').getAttribute('data-status')).resolves.toBe('completed');
    await expect(legStatus('B').getAttribute('data-status')).resolves.toBe('completed');
    // Each leg shows the number it called, also a leg that appeared live; an ended callback has no cancel button.
    const legNumber = (role: string) => page.locator('tr[data-leg]', { has: page.locator('td:first-child', { hasText: new RegExp(`^${role}$`) }) }).locator('td').nth(2);
    await expect(legNumber('A').textContent()).resolves.toBe(DEMO.callerId);
    await expect(legNumber('B').textContent()).resolves.toBe(DESTINATION);
    await expect(page.getByRole('button', { name: 'Cancel this callback' }).isVisible()).resolves.toBe(false);

    // History and balance: the call is in the history and its cost left the balance.
    await page.getByRole('link', { name: 'Back to my account' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const history = page.getByRole('table', { name: 'Call history' });
    await history.waitFor();
    // One row per leg: my number (leg A) and the number called (leg B).
    await expect(history.textContent()).resolves.toContain(DESTINATION);
    await expect(history.textContent()).resolves.toContain(DEMO.callerId);
    const callbacks = page.getByRole('table', { name: 'Latest callbacks' });
    await expect(callbacks.locator('tr[data-callback] [data-field="state"]').first().textContent()).resolves.toBe('Finished');
    const balanceAfter = await availableBalance(page);
    // Leg A's answered second is billed a whole first increment of the demo callback tariff.
    expect(balanceAfter).toBeLessThan(balanceBefore);
    await screenshot(page, 'history-balance');

    // Log out: back to the login form, and the account's page is gone.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.goto(`${base}/`);
    await expect(page.getByRole('button', { name: 'Log in' }).isVisible()).resolves.toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a callback's live stream refused once (a 503 while the server restarts, after which EventSource itself never retries) is reopened by the page, which then shows the legs to the end", async () => {
    const page = await context!.newPage();
    const opened: string[] = [];
    await page.route('**/portal/api/v1/callbacks/*/events', async (route) => {
      opened.push(route.request().url());
      if (opened.length === 1) await route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"restarting"}}' });
      else await route.continue();
    });
    await logIn(page);
    await orderCallback(page);
    await until(async () => {
      const statuses = await legStatuses(page);
      return statuses.length >= 2 && statuses.every((s) => s === 'completed');
    }, 20_000, async () => `leg statuses on the page: ${JSON.stringify(await legStatuses(page))}; streams opened: ${opened.length}`);
    await page.locator('[data-field="state"]', { hasText: 'Finished' }).waitFor();
    // The waits between tries are proved in spec/portal/live-script.test.ts, without a wall clock.
    expect(opened.length).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('every page looks like a product, at desktop and phone width: header, navigation, cards and tables styled by the stylesheet, words instead of states and causes, times in the account zone', async () => {
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    // The test above left its session behind: start logged out.
    await context!.clearCookies();
    await logIn(page);
    // A finished callback of its own, for the callback's page, the list and the history.
    await orderCallback(page);
    await page.locator('[data-field="state"]', { hasText: 'Finished' }).waitFor({ timeout: 20_000 });
    const callbackPath = new URL(page.url()).pathname;
    const pages = [
      { name: 'home', path: '/' },
      { name: 'callback', path: callbackPath! },
      { name: 'recordings', path: '/recordings' },
      { name: 'faxes', path: '/faxes' },
      { name: 'payments', path: '/payments' },
      { name: 'rates', path: '/rates' },
    ];
    for (const viewport of [
      { name: 'desktop', width: 1280, height: 900 },
      { name: 'phone', width: 390, height: 844 },
    ]) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      for (const shown of pages) {
        await page.goto(`${base}${shown.path}`);
        await page.locator('main .card').first().waitFor();
        const png = await screenshot(page, `${viewport.name}-${shown.name}`);
        const where = `${shown.name} at ${viewport.name} width`;
        // The screenshot is the page's width (nothing sticks out sideways, a phone needs no side scrolling) and not blank.
        expect({ where, width: png.readUInt32BE(16) }).toEqual({ where, width: viewport.width });
        expect(png.length).toBeGreaterThan(8_000);
        // Layout: header, navigation, at least one card; the stylesheet is applied.
        await expect(page.locator('header.site-header').isVisible()).resolves.toBe(true);
        await expect(page.getByRole('navigation', { name: 'Portal' }).isVisible()).resolves.toBe(true);
        expect(await page.locator('main .card').count()).toBeGreaterThan(0);
        expect(await page.evaluate("getComputedStyle(document.querySelector('main .card')).borderTopLeftRadius")).toBe('10px');
        expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe('rgb(244, 246, 249)');
        // Words, never raw engine states (dialing_a) or FreeSWITCH causes (NORMAL_CLEARING).
        const text = String(await page.evaluate('document.body.innerText'));
        expect({ where, raw: text.match(/\b[a-z]+_[a-z_]+\b|\b[A-Z]{2,}_[A-Z_]+\b/g) }).toEqual({ where, raw: null });
        expect(text).not.toMatch(/\bcompleted\b/);
        // The demo account is in New York: its times read EST/EDT, never Berlin's.
        expect(text).not.toMatch(/GMT\+[12]|\bCES?T\b/);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/`);
    await expect(page.getByRole('table', { name: 'Latest callbacks' }).textContent()).resolves.toMatch(/\b(EST|EDT)\b/);
    // One row per leg in the history, each with its length and cost.
    const firstLeg = await page.getByRole('table', { name: 'Call history' }).locator('tbody tr').first().textContent();
    expect(firstLeg).toMatch(/\b\d+:\d{2}\$\d+\.\d{2}/);
    // On a phone, tables become labelled lines and the navigation stays one scrollable row.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate("getComputedStyle(document.querySelector('table.stack thead')).display")).toBe('none');
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** Polls the page (a string given to waitForFunction would be refused by the portal's CSP, rightly). */
async function until(check: () => Promise<boolean>, timeoutMs: number, describeState: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; ${await describeState()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** W3's word for each leg's status (the cells' data-status; their text is for people). */
async function legStatuses(page: Page): Promise<string[]> {
  const cells = page.locator('tr[data-leg] [data-field="status"]');
  return Promise.all((await cells.all()).map(async (cell) => (await cell.getAttribute('data-status')) ?? ''));
}

/** The "Available" amount on the account page (USD, as the demo account shows it: "$9.87"), in minor units. */
async function availableBalance(page: Page): Promise<number> {
  const text = await page.locator('dt', { hasText: /^Available$/ }).locator('xpath=following-sibling::dd[1]').textContent();
  const match = /^(-?)\$(\d+)\.(\d{2})$/.exec(text ?? '');
  if (!match) throw new Error(`no balance on the page: ${text}`);
  return (match[1] ? -1 : 1) * (Number(match[2]) * 100 + Number(match[3]));
}
