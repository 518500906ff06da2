import { PORTAL_SCRIPT } from '../../lib/http/portal/script';
import { FakeElement, FakePage } from './support/fake-page';

const ID = '5d0c2f7e-0000-4000-8000-000000000001';

/** A callback's page as html.ts renders it: the watched section with its state and legs. */
function callbackPage(): FakePage {
  const page = new FakePage();
  const section = new FakeElement('section', { 'data-watch': ID, 'data-number-a': '+12025550101', 'data-number-b': '+12025550202', 'data-currency': 'USD', 'data-locale': 'en' })
    .add(new FakeElement('dd', { 'data-field': 'state' }))
    .add(new FakeElement('dd', { 'data-field': 'cause' }))
    .add(new FakeElement('dd', { 'data-field': 'total' }))
    .add(new FakeElement('tbody', { 'data-field': 'legs' }));
  page.body.add(section).add(new FakeElement('form', { 'data-cancel': '' }));
  return page;
}

function accountPage(): FakePage {
  const page = new FakePage();
  const row = new FakeElement('tr', { 'data-callback': 'r-1' }).add(new FakeElement('td', { 'data-field': 'state' }));
  page.body.add(new FakeElement('section', { 'data-live-account': '' }).add(new FakeElement('table').add(row)));
  return page;
}

function snapshot(state: string, legs: Array<{ uuid: string; status: string }> = []) {
  return { callback: { state, lastCause: null }, legs: legs.map((leg) => ({ ...leg, role: 'A', attempt: 1, number: '+12025550101', hangupCause: null })) };
}

function shown(page: FakePage, selector: string): string | undefined {
  return page.body.querySelector(selector)?.textContent;
}

describe("the portal's live script: dropped streams come back", () => {
  it('a dropped callback stream is reopened after 1 s, 2 s, 4 s … never more than 30 s, and the delay starts over once a stream opens', () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    expect(page.sources.map((source) => source.url)).toEqual([`/portal/api/v1/callbacks/${ID}/events`]);
    page.source.fire('open');
    page.source.fire('snapshot', snapshot('dialing_a'));
    const waits: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      page.source.fire('error');
      expect(page.source.readyState).toBe(2);
      waits.push(page.runTimer());
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(page.sources).toHaveLength(9);
    page.source.fire('open');
    page.source.fire('error');
    expect(page.pendingWaits()).toEqual([1000]);
  });

  it('each wait gets up to half again at random, so the pages of a restarted server do not all come back at once', () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT, 0.999);
    page.source.fire('error');
    page.runTimer();
    page.source.fire('error');
    expect(page.timers.map((timer) => timer.ms)).toEqual([1499, 2999]);
  });

  it("a reopened stream's snapshot brings the page up to date with what happened while it was away", () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('snapshot', snapshot('dialing_a', [{ uuid: 'leg-a', status: 'ringing' }]));
    page.source.fire('error');
    page.runTimer();
    page.source.fire('open');
    page.source.fire('snapshot', snapshot('bridged', [{ uuid: 'leg-a', status: 'answered' }]));
    expect(shown(page, '[data-field="state"]')).toBe('In conversation');
    expect(page.body.querySelector('[data-field="state"]')?.getAttribute('data-state')).toBe('bridged');
    expect(shown(page, 'tr[data-leg="leg-a"] [data-field="status"]')).toBe('Answered');
  });

  it('a stream the server ends once the callback and its legs are over is not reopened', () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('snapshot', snapshot('dialing_a', [{ uuid: 'leg-a', status: 'answered' }]));
    page.source.fire('request', { state: 'completed' });
    page.source.fire('leg', { legUuid: 'leg-a', leg: 'A', attempt: 1, status: 'completed' });
    page.source.fire('error');
    expect(page.pendingWaits()).toEqual([]);
    expect(page.sources).toHaveLength(1);
    expect(page.body.querySelector('form[data-cancel]')?.hidden).toBe(true);
  });

  it('a stream cut after the callback ended but before its legs reported is reopened once for their statuses, not for ever', () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('snapshot', snapshot('completed', [{ uuid: 'leg-a', status: 'answered' }]));
    page.source.fire('error');
    page.runTimer();
    // The leg never reports (its FreeSWITCH went away): the server ends this stream too.
    page.source.fire('snapshot', snapshot('completed', [{ uuid: 'leg-a', status: 'answered' }]));
    page.source.fire('error');
    expect(page.pendingWaits()).toEqual([]);
    expect(page.sources).toHaveLength(2);
  });

  it('the account stream comes back after a refused connection (where EventSource gives up for good) and reads the listed states once it is back', async () => {
    const page = accountPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('open');
    expect(page.fetches).toEqual([]);
    page.source.fire('request', { requestId: 'r-1', state: 'dialing_a' });
    expect(shown(page, 'tr[data-callback="r-1"] [data-field="state"]')).toBe('Calling you');
    // A 503 while the server restarts: the browser closes the source and would never retry.
    page.source.fire('error');
    expect(page.runTimer()).toBe(1000);
    page.source.fire('error');
    expect(page.runTimer()).toBe(2000);
    page.fetchAnswer = { items: [{ id: 'r-1', state: 'completed' }] };
    page.source.fire('open');
    expect(page.fetches).toEqual(['/portal/api/v1/callbacks?limit=100']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(shown(page, 'tr[data-callback="r-1"] [data-field="state"]')).toBe('Finished');
  });
});

/** Every text the page shows, to check that no raw state or cause name is among them. */
function texts(element: FakeElement): string[] {
  return [element.textContent, ...element.children.flatMap(texts)].filter((t) => t !== '');
}

describe("the portal's live script: words, not states", () => {
  it('words request states, leg statuses and causes; a leg that ends unanswered reads "Cancelled", an answered one "Call ended"', () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('snapshot', snapshot('dialing_both', [{ uuid: 'leg-a', status: 'ringing' }]));
    expect(shown(page, '[data-field="state"]')).toBe('Calling both numbers');
    expect(shown(page, 'tr[data-leg="leg-a"] [data-field="status"]')).toBe('Ringing');
    page.source.fire('leg', { legUuid: 'leg-b', leg: 'B', attempt: 1, status: 'answered' });
    page.source.fire('leg', { legUuid: 'leg-b', leg: 'B', attempt: 1, status: 'completed', cause: 'NORMAL_CLEARING' });
    // W3 folds a cancelled leg into "completed": the page tells it apart by the missing answer.
    page.source.fire('leg', { legUuid: 'leg-a', leg: 'A', attempt: 1, status: 'completed', cause: 'ORIGINATOR_CANCEL' });
    page.source.fire('request', { state: 'cancelled', cause: 'CANCELLED' });
    expect(shown(page, 'tr[data-leg="leg-b"] [data-field="status"]')).toBe('Call ended');
    expect(shown(page, 'tr[data-leg="leg-a"] [data-field="status"]')).toBe('Cancelled');
    expect(page.body.querySelector('tr[data-leg="leg-a"] [data-field="status"]')?.getAttribute('data-status')).toBe('completed');
    expect(shown(page, '[data-field="state"]')).toBe('Cancelled');
    expect(shown(page, '[data-field="cause"]')).toBe('Cancelled');
    // A cause this version does not know still shows no raw name.
    page.source.fire('leg', { legUuid: 'leg-c', leg: 'C', attempt: 1, status: 'failed', cause: 'SOME_NEW_CAUSE' });
    expect(shown(page, 'tr[data-leg="leg-c"] td')).toBe('C');
    const shownTexts = texts(page.body);
    expect(shownTexts).toContain('Ended for another reason');
    expect(shownTexts.filter((t) => /[a-z]+_[a-z]+|[A-Z]{2,}_[A-Z]+/.test(t))).toEqual([]);
  });

  it("fills each leg's length and cost, and the total, from the callback once its stream is over", async () => {
    const page = callbackPage();
    page.load(PORTAL_SCRIPT);
    page.source.fire('snapshot', snapshot('bridged', [{ uuid: 'leg-a', status: 'bridged' }]));
    page.fetchAnswer = { costMinor: 1234, legs: [{ uuid: 'leg-a', role: 'A', billsec: 65, costMinor: 1234, answeredAt: 1 }] };
    page.source.fire('request', { state: 'completed' });
    page.source.fire('leg', { legUuid: 'leg-a', leg: 'A', attempt: 1, status: 'completed', cause: 'NORMAL_CLEARING' });
    page.source.fire('error');
    expect(page.fetches).toEqual([`/portal/api/v1/callbacks/${ID}`]);
    await new Promise((resolve) => setImmediate(resolve));
    const cells = page.body.querySelector('tr[data-leg="leg-a"]')!.children.map((cell) => cell.textContent);
    expect(cells.slice(5)).toEqual(['1:05', '$12.34']);
    expect(shown(page, '[data-field="total"]')).toBe('$12.34');
    expect(page.pendingWaits()).toEqual([]);
  });
});
