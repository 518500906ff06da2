import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { connectSse } from '../http/support/sse-client';
import { describeEachDatabase } from '../support/databases';
import { csrfOf, logIn, PASSWORD, portalFixture, setCookies, type PortalFixture } from './support/portal-fixture';

const DESTINATION = '+12025550202';

describeEachDatabase('web portal (W5)', (getDb) => {
  let f: PortalFixture;
  beforeAll(async () => {
    f = await portalFixture(getDb());
  });
  afterAll(() => f.close());

  describe('login', () => {
    it('shows an accessible login form, and logs in with a session cookie HttpOnly, SameSite=Strict, Path=/', async () => {
      const app = f.app();
      const { email, account } = await f.subscriber();
      const agent = request.agent(app);
      const page = await agent.get('/').expect(200).expect('Content-Type', /html/);
      expect(page.text).toContain('<label for="email">Email</label>');
      expect(page.text).toContain('<label for="password">Password</label>');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: email.toUpperCase(), password: PASSWORD }).expect(303);
      const session = setCookies(res).find((c) => c.startsWith('callback_session='));
      expect(session).toBeDefined();
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; SameSite=Strict/);
      expect(session).toMatch(/; Path=\//);
      expect(session).not.toMatch(/Secure/);
      // 32 random bytes, base64url.
      expect(/^callback_session=([^;]+)/.exec(session!)?.[1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const home = await agent.get('/').expect(200);
      expect(home.text).toContain(`<h1>${account.name}</h1>`);
      expect(home.text).toContain('$10.00');
    });

    it('marks the cookies Secure when the public URL is https', async () => {
      const app = f.app({ publicUrl: 'https://portal.example.com' });
      const { email } = await f.subscriber();
      const page = await request(app).get('/').expect(200);
      const loginCookie = setCookies(page).find((c) => c.startsWith('callback_login='))!;
      expect(loginCookie).toMatch(/; Secure/);
      const res = await request(app)
        .post('/login')
        .set('Cookie', loginCookie.split(';')[0]!)
        .type('form')
        .send({ _csrf: csrfOf(page.text), email, password: PASSWORD })
        .expect(303);
      expect(setCookies(res).find((c) => c.startsWith('callback_session='))).toMatch(/; HttpOnly; SameSite=Strict; Secure/);
    });

    it('refuses a wrong password and an unknown email with the same generic message, and sets no session', async () => {
      const app = f.app();
      const { email } = await f.subscriber();
      for (const attempt of [
        { email, password: 'wrong-password' },
        { email: 'nobody@example.com', password: PASSWORD },
      ]) {
        const agent = request.agent(app);
        const page = await agent.get('/');
        const res = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), ...attempt }).expect(401);
        expect(res.text).toContain('Wrong email or password.');
        expect(setCookies(res).some((c) => c.startsWith('callback_session='))).toBe(false);
      }
    });

    it('refuses a login form without its token (login CSRF)', async () => {
      const { email } = await f.subscriber();
      const res = await request(f.app()).post('/login').type('form').send({ email, password: PASSWORD }).expect(403);
      expect(setCookies(res).some((c) => c.startsWith('callback_session='))).toBe(false);
    });

    it('limits attempts per email, even with the right password then', async () => {
      const app = f.app({ loginLimit: { perIp: 100, perEmail: 3, windowMs: 60_000 } });
      const { email } = await f.subscriber();
      const agent = request.agent(app);
      const page = await agent.get('/');
      const token = csrfOf(page.text);
      for (let i = 0; i < 3; i += 1) await agent.post('/login').type('form').send({ _csrf: token, email, password: 'nope-nope' }).expect(401);
      const limited = await agent.post('/login').type('form').send({ _csrf: token, email, password: PASSWORD }).expect(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(setCookies(limited).some((c) => c.startsWith('callback_session='))).toBe(false);
      // Another email from the same address is not affected by this one's limit.
      const other = await f.subscriber();
      await agent.post('/login').type('form').send({ _csrf: token, email: other.email, password: PASSWORD }).expect(303);
      // The window passes.
      await f.clock.advance(61_000);
      const fresh = request.agent(app);
      const again = csrfOf((await fresh.get('/')).text);
      await fresh.post('/login').type('form').send({ _csrf: again, email, password: PASSWORD }).expect(303);
    });

    it('limits attempts per client address across emails', async () => {
      const app = f.app({ loginLimit: { perIp: 4, perEmail: 100, windowMs: 60_000 } });
      const agent = request.agent(app);
      const token = csrfOf((await agent.get('/')).text);
      for (let i = 0; i < 4; i += 1) await agent.post('/login').type('form').send({ _csrf: token, email: `x${i}@example.com`, password: 'whatever-1' }).expect(401);
      await agent.post('/login').type('form').send({ _csrf: token, email: 'y@example.com', password: 'whatever-1' }).expect(429);
    });
  });

  describe('CSRF', () => {
    it('refuses state-changing requests without the session\'s token: forms, logout and the API mount', async () => {
      const app = f.app();
      const { email, number, account } = await f.subscriber();
      const { agent, csrf } = await logIn(app, email);
      await agent.post('/callbacks').type('form').send({ source: number, destination: DESTINATION }).expect(403);
      await agent.post('/callbacks').type('form').send({ _csrf: 'x'.repeat(csrf.length), source: number, destination: DESTINATION }).expect(403);
      await agent.post('/phone-book').type('form').send({ name: 'Mum', number: DESTINATION }).expect(403);
      await agent.post('/logout').type('form').send({}).expect(403);
      const api = await agent.post('/portal/api/v1/callbacks').send({ source: number, destination: DESTINATION }).expect(403);
      expect(api.body.error.code).toBe('csrf_failed');
      expect(await f.store.callbackRequests.list({ accountId: account.id })).toHaveLength(0);
      expect(await f.store.phoneBook.list(account.id)).toHaveLength(0);
      // The session survived the refused logout; with the header the API accepts the order.
      await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).send({ source: number, destination: DESTINATION }).expect(201);
    });
  });

  describe('ordering and scoping', () => {
    it('orders a callback through the form for the session\'s account only', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      const res = await agent
        .post('/callbacks')
        .type('form')
        .send({ _csrf: csrf, source: me.number, destination: '(202) 555-0202', mode: 'simultaneous', when: 'now', accountId: '1' })
        .expect(303);
      const id = /^\/callbacks\/(.+)$/.exec(res.headers.location ?? '')?.[1];
      const ordered = await f.store.callbackRequests.findById(id!);
      expect(ordered).toMatchObject({ accountId: me.account.id, trigger: 'web', source: me.number, destination: DESTINATION, mode: 'simultaneous', dueAt: f.clock.now() });
      expect(f.scheduled).toContainEqual({ requestId: id, dueAt: f.clock.now() });
      const detail = await agent.get(`/callbacks/${id}`).expect(200);
      expect(detail.text).toContain(`data-watch="${id}"`);
      const home = await agent.get('/').expect(200);
      expect(home.text).toContain(`data-callback="${id}"`);
    });

    it('orders at a date and time, read in the account\'s time zone', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      // The clock is 2026-11-26T12:00Z; Berlin is UTC+1 then.
      const res = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: me.number, destination: DESTINATION, when: 'later', at: '2026-11-27T09:30' }).expect(303);
      const id = /^\/callbacks\/(.+)$/.exec(res.headers.location ?? '')?.[1];
      expect((await f.store.callbackRequests.findById(id!))?.dueAt).toBe(Date.parse('2026-11-27T08:30:00Z'));
      const past = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: me.number, destination: DESTINATION, when: 'later', at: '2020-01-01T00:00' }).expect(400);
      expect(past.text).toContain('2020-01-01T00:00&#34; is already past in Europe/Berlin');
      // #18 item 6: the portal's form keeps the rule of every path: a year ahead at most, no time the clocks skip.
      const far = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: me.number, destination: DESTINATION, when: 'later', at: '2027-11-27T09:30' }).expect(400);
      expect(far.text).toContain('is more than 365 days ahead');
      const gap = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: me.number, destination: DESTINATION, when: 'later', at: '2027-03-28T02:30' }).expect(400);
      expect(gap.text).toContain('does not exist in Europe/Berlin: the clocks skip it for daylight saving time');
    });

    it('refuses "my number" that is not one of the account\'s numbers', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const other = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      const res = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: other.number, destination: DESTINATION }).expect(400);
      expect(res.text).toContain('is not one of the account&#39;s verified numbers');
      expect(await f.store.callbackRequests.list({ accountId: me.account.id })).toHaveLength(0);
    });

    it('does not show, stream or cancel another account\'s callback', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const other = await f.subscriber();
      const { request: theirs } = await f.engine.order({ accountId: other.account.id, trigger: 'api', source: other.number, destination: DESTINATION, mode: 'source_first' });
      const { agent, csrf } = await logIn(app, me.email);
      await agent.get(`/callbacks/${theirs.id}`).expect(404);
      await agent.post(`/callbacks/${theirs.id}/cancel`).type('form').send({ _csrf: csrf }).expect(404);
      await agent.get(`/portal/api/v1/callbacks/${theirs.id}`).expect(404);
      await agent.get(`/portal/api/v1/callbacks/${theirs.id}/events`).expect(404);
      await agent.get(`/portal/api/v1/callbacks?accountId=${other.account.id}`).expect(403);
      const list = await agent.get('/portal/api/v1/callbacks').expect(200);
      expect(list.body.items).toEqual([]);
      expect((await agent.get('/').expect(200)).text).not.toContain(theirs.id);
      expect((await f.store.callbackRequests.findById(theirs.id))?.state).toBe('queued');
    });

    it('cancels its own callback', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      const { request: mine } = await f.engine.order({ accountId: me.account.id, trigger: 'web', source: me.number, destination: DESTINATION, mode: 'source_first' });
      await agent.post(`/callbacks/${mine.id}/cancel`).type('form').send({ _csrf: csrf }).expect(200);
      expect((await f.store.callbackRequests.findById(mine.id))?.state).toBe('cancelled');
    });

    it('streams its own callback live through the session-authenticated API mount', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent } = await logIn(app, me.email);
      const cookie = (await agent.get('/').expect(200)).request.cookies as unknown;
      const { request: mine } = await f.engine.order({ accountId: me.account.id, trigger: 'web', source: me.number, destination: DESTINATION, mode: 'source_first' });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const sse = connectSse(`http://127.0.0.1:${port}/portal/api/v1/callbacks/${mine.id}/events`, { Cookie: String(cookie) });
        expect(await sse.status).toBe(200);
        await sse.until((events) => events.some((e) => e.event === 'snapshot'));
        expect(sse.events[0]).toMatchObject({ event: 'snapshot', data: { callback: { id: mine.id, state: 'queued' } } });
        sse.close();
        const anonymous = connectSse(`http://127.0.0.1:${port}/portal/api/v1/callbacks/${mine.id}/events`, {});
        expect(await anonymous.status).toBe(401);
        anonymous.close();
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('phone book and numbers', () => {
    it('adds and removes entries and numbers of the session\'s account only', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      const saved = await agent.post('/phone-book').type('form').send({ _csrf: csrf, name: 'Mum', number: '202-555-0202' }).expect(200);
      expect(saved.text).toContain('Saved Mum.');
      expect(await f.store.phoneBook.list(me.account.id)).toMatchObject([{ name: 'Mum', number: DESTINATION }]);
      const added = await agent.post('/caller-ids').type('form').send({ _csrf: csrf, number: '+12025550199' }).expect(200);
      expect(added.text).toContain('We sent a code to +12025550199 by SMS');
      // #15 item 8: it counts once the code sent to it is typed in.
      expect((await f.store.callerIds.listForAccount(me.account.id)).map((c) => c.number)).not.toContain('+12025550199');
      await agent.post('/caller-ids/verify').type('form').send({ _csrf: csrf, number: '+12025550199', code: '000000' === f.sms.codeSentTo('+12025550199') ? '111111' : '000000' }).expect(400);
      const confirmed = await agent.post('/caller-ids/verify').type('form').send({ _csrf: csrf, number: '+12025550199', code: f.sms.codeSentTo('+12025550199') }).expect(200);
      expect(confirmed.text).toContain('+12025550199 is confirmed.');
      expect((await f.store.callerIds.listForAccount(me.account.id)).map((c) => c.number)).toContain('+12025550199');
      // The API's answers, from the one mapping both use: a number never claimed reads as not found.
      const unclaimed = await agent.post('/caller-ids/verify').type('form').send({ _csrf: csrf, number: '+12025550198', code: '123456' }).expect(404);
      expect(unclaimed.text).toContain('no such caller ID waiting for verification');
      // Another account's number: answered like a fresh one, never taken, never removed.
      const other = await f.subscriber();
      const claimed = await agent.post('/caller-ids').type('form').send({ _csrf: csrf, number: other.number }).expect(200);
      expect(claimed.text).toContain(`We sent a code to ${other.number} by SMS`);
      expect(f.sms.textsTo(other.number)).toEqual([]);
      await agent.post('/caller-ids/delete').type('form').send({ _csrf: csrf, number: other.number }).expect(200);
      await agent.post('/caller-ids/delete').type('form').send({ _csrf: csrf, number: other.number }).expect(404);
      expect(await f.store.callerIds.findByNumber(other.number)).toMatchObject({ accountId: other.account.id });
      await agent.post('/phone-book/delete').type('form').send({ _csrf: csrf, number: DESTINATION }).expect(200);
      expect(await f.store.phoneBook.list(me.account.id)).toEqual([]);
    });
  });

  describe('logout', () => {
    it('ends the session: the cookie is cleared and the old session id no longer works', async () => {
      const app = f.app();
      const me = await f.subscriber();
      const { agent, csrf } = await logIn(app, me.email);
      const cookieHeader = String((await agent.get('/').expect(200)).request.cookies as unknown);
      const res = await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
      expect(setCookies(res).find((c) => c.startsWith('callback_session='))).toMatch(/Max-Age=0/);
      const again = await request(app).get('/').set('Cookie', cookieHeader).expect(200);
      expect(again.text).toContain('>Log in</h1>');
      await request(app).get('/portal/api/v1/callbacks').set('Cookie', cookieHeader).expect(401);
      await request(app).post('/callbacks').set('Cookie', cookieHeader).type('form').send({ _csrf: csrf, source: me.number }).expect(401);
    });
  });
});
