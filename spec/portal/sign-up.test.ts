import request from 'supertest';
import { defaultSettings } from '../../lib/config';
import type { SignUpSettings } from '../../lib/config/sign-up-schema';
import { SIGN_UP_WINDOW_MS } from '../../lib/config/sign-up-schema';
import { minorUnits } from '../../lib/domain/money';
import { SESSION_COOKIE } from '../../lib/http/portal/session';
import { describeEachDatabase } from '../support/databases';
import { memoryLogger } from '../support/esl-fakes';
import { csrfOf, portalFixture, setCookies, type PortalFixture } from './support/portal-fixture';

const PASSWORD = 'my own password';
const DESTINATION = '+12025550202';

describeEachDatabase('portal self sign-up (#18 item 5)', (getDb) => {
  let f: PortalFixture;
  let numbers = 0;
  beforeAll(async () => {
    f = await portalFixture(getDb());
  });
  afterAll(() => f.close());

  // Every test's sign-ups come from one address: a limit of their own is tested last.
  const settings = (overrides: Partial<SignUpSettings> = {}): SignUpSettings => ({ ...defaultSettings().signUp, enabled: true, perIpPerHour: 1000, ...overrides });
  const freshNumber = () => `+1303555${String(1000 + (numbers += 1))}`;
  const freshEmail = () => `signup-${numbers}-${Date.now()}@example.com`;

  /** Opens the sign-up page as a browser would and posts the form; the agent keeps the cookies. */
  async function signUp(app: ReturnType<PortalFixture['app']>, fields: Record<string, string>, agent = request.agent(app)) {
    const page = await agent.get('/signup').expect(200);
    const res = await agent.post('/signup').type('form').send({ _csrf: csrfOf(page.text), ...fields });
    return { agent, res };
  }

  it('does not exist unless the operator enables it', async () => {
    const app = f.app();
    await request(app).get('/signup').expect(404);
    await request(app).post('/signup').type('form').send({ email: 'x@example.com' }).expect(404);
    expect((await request(app).get('/').expect(200)).text).not.toContain('/signup');
    expect(defaultSettings().signUp.enabled).toBe(false);
  });

  /** Logs in on the page a sign-up answered with, as the visitor would. */
  function logIn(agent: ReturnType<typeof request.agent>, signedUp: request.Response, email: string, password = PASSWORD) {
    return agent.post('/login').type('form').send({ _csrf: csrfOf(signedUp.text), email, password });
  }

  it('opens an account and its login in one go, sends a code to the number, and asks to log in', async () => {
    const tariff = await f.store.tariffs.createTariff({ name: `signup retail ${Date.now()}`, currency: 'EUR', kind: 'retail' });
    const app = f.app({ signUp: settings({ currency: 'EUR', timeZone: 'Europe/Berlin', country: 'DE', tariff: tariff.name }) });
    expect((await request(app).get('/').expect(200)).text).toContain('<a href="/signup">Open an account</a>');
    const email = freshEmail();
    const { agent, res } = await signUp(app, { email: email.toUpperCase(), password: PASSWORD, number: '030 12345678' });
    expect(res.status).toBe(202);
    expect(res.text).toContain('Log in with your email and password to go on.');
    expect(setCookies(res).some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    await logIn(agent, res, email).expect(303);

    const user = await f.store.portalUsers.findByEmail(email);
    const account = await f.store.accounts.findById(user!.accountId);
    expect(account).toMatchObject({ name: email, currency: 'EUR', timeZone: 'Europe/Berlin', country: 'DE', tariffId: tariff.id, balanceMinor: 0, freeSources: false });
    expect(await f.store.portalUsers.verifyLogin(email, PASSWORD)).not.toBeNull();
    expect(await f.store.callerIds.listForAccount(account!.id)).toEqual([]);
    expect((await f.store.callerIdClaims.listForAccount(account!.id)).map((claim) => claim.number)).toEqual(['+493012345678']);
    expect(f.sms.codeSentTo('+493012345678')).toMatch(/^\d{6}$/);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Waiting for the code we sent them by SMS');
    const audit = await f.store.auditLog.list({ kind: 'sign_up', accountId: account!.id });
    expect(audit.map((entry) => entry.reason)).toEqual(['account_opened']);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('calls nothing from the number until its code is typed back', async () => {
    const app = f.app({ signUp: settings() });
    const number = freshNumber();
    const email = freshEmail();
    const { agent, res } = await signUp(app, { email, password: PASSWORD, number });
    await logIn(agent, res, email).expect(303);
    const csrf = csrfOf((await agent.get('/').expect(200)).text);
    const user = await f.store.portalUsers.findByEmail(email);
    await f.store.payments.record({ accountId: user!.accountId, amountMinor: minorUnits(1000), currency: 'USD', method: 'test' });

    const refused = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: number, destination: DESTINATION }).expect(400);
    expect(refused.text).toContain('is not one of the account&#39;s verified numbers');
    const apiRefused = await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).send({ source: number, destination: DESTINATION });
    expect(apiRefused.status).toBe(400);
    expect(await f.store.callbackRequests.list({ accountId: user!.accountId })).toHaveLength(0);

    await agent.post('/caller-ids/verify').type('form').send({ _csrf: csrf, number, code: f.sms.codeSentTo(number) }).expect(200, /is confirmed/);
    expect((await f.store.callerIds.listForAccount(user!.accountId)).map((c) => [c.number, c.allowAuthorization])).toEqual([[number, true]]);
    await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: number, destination: DESTINATION }).expect(303);
    expect(await f.store.callbackRequests.list({ accountId: user!.accountId })).toHaveLength(1);
  });

  it('refuses bad input with the form shown again, and writes nothing', async () => {
    const app = f.app({ signUp: settings() });
    const before = (await f.store.accounts.listChecked({ activeOnly: false })).accounts.length;
    const bad = async (fields: Record<string, string>, status: number, message: string) => {
      const { res } = await signUp(app, fields);
      expect(res.status).toBe(status);
      expect(res.text).toContain(message);
      expect(res.text).toContain('action="/signup"');
    };
    await bad({ email: 'not an email', password: PASSWORD, number: freshNumber() }, 400, 'Give a valid email address');
    await bad({ email: freshEmail(), password: 'short', number: freshNumber() }, 400, 'Choose a password of 8 to 200 characters.');
    await bad({ email: freshEmail(), password: PASSWORD, number: '12' }, 400, 'Your phone number: ');
    expect((await f.store.accounts.listChecked({ activeOnly: false })).accounts).toHaveLength(before);

    const noToken = await request(app).post('/signup').type('form').send({ email: freshEmail(), password: PASSWORD, number: freshNumber() }).expect(403);
    expect(noToken.text).toContain('The form expired');
  });

  it('answers a taken email like a new one, changes nothing, and tells the operator', async () => {
    const log = memoryLogger();
    const app = f.app({ signUp: settings(), logger: log.logger });
    const before = (await f.store.accounts.listChecked({ activeOnly: false })).accounts.length;
    /** What a visitor sees: the status, the page without its per-visit CSRF token, and the cookies' names. */
    const seen = (res: request.Response) => ({
      status: res.status,
      page: res.text.replace(/value="[\w-]{43}"/g, 'value="csrf"').replace(/value="[^"]*@example\.com"/g, 'value="email"'),
      cookies: setCookies(res).map((cookie) => cookie.split('=')[0]),
    });

    const email = freshEmail();
    const fresh = await signUp(app, { email, password: PASSWORD, number: freshNumber() });
    const takenNumber = freshNumber();
    const taken = await signUp(app, { email, password: 'another password', number: takenNumber });
    expect(seen(taken.res)).toEqual(seen(fresh.res));
    expect(taken.res.text).not.toContain('already has an account');
    // Its account and password untouched, no code sent to the number given with it.
    expect(await f.store.portalUsers.verifyLogin(email, PASSWORD)).not.toBeNull();
    expect(await f.store.portalUsers.verifyLogin(email, 'another password')).toBeNull();
    expect(f.sms.textsTo(takenNumber)).toEqual([]);
    expect((await f.store.accounts.listChecked({ activeOnly: false })).accounts).toHaveLength(before + 1);
    const holder = (await f.store.portalUsers.findByEmail(email))!.accountId;
    expect((await f.store.auditLog.list({ kind: 'sign_up', accountId: holder })).map((entry) => entry.reason)).toEqual(['email_taken', 'account_opened']);
    expect(log.records).toContainEqual(expect.objectContaining({ level: 'warn', message: 'portal sign-up: the email has an account already; answered as if it were new', accountId: holder }));

    // A login the operator gave another account: the account opened first is rolled back with it.
    const operatorMade = freshEmail();
    const other = await f.subscriber();
    await f.store.portalUsers.create({ accountId: other.account.id, email: operatorMade, password: PASSWORD });
    const operatorTaken = await signUp(app, { email: operatorMade, password: PASSWORD, number: freshNumber() });
    expect(seen(operatorTaken.res)).toEqual(seen(fresh.res));
    expect(await f.store.accounts.findByName(operatorMade)).toBeNull();
    expect((await f.store.auditLog.list({ kind: 'sign_up', accountId: other.account.id })).map((entry) => entry.reason)).toEqual(['email_taken']);
  });

  it('limits sign-ups per client address, in the database', async () => {
    const app = f.app({ signUp: settings({ perIpPerHour: 2 }) });
    // A window of its own: the other tests' sign-ups are in the last one.
    await f.clock.advance(SIGN_UP_WINDOW_MS);
    const agent = request.agent(app);
    await signUp(app, { email: freshEmail(), password: PASSWORD, number: freshNumber() }, agent);
    await signUp(app, { email: 'bad', password: PASSWORD, number: freshNumber() }, request.agent(app));
    const { res } = await signUp(app, { email: freshEmail(), password: PASSWORD, number: freshNumber() }, request.agent(app));
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.text).toContain('Too many attempts');
  });

  it('refuses to open accounts when the named tariff does not exist, and says so in the log', async () => {
    const log = memoryLogger();
    const app = f.app({ signUp: settings({ tariff: 'No such tariff' }), logger: log.logger });
    const email = freshEmail();
    const { res } = await signUp(app, { email, password: PASSWORD, number: freshNumber() });
    expect(res.status).toBe(503);
    expect(res.text).toContain('Opening an account is not possible at the moment');
    expect(log.records).toContainEqual(expect.objectContaining({ level: 'error', message: 'portal sign-up is misconfigured', error: 'signUp.tariff names tariff "No such tariff", which does not exist' }));
    expect(await f.store.portalUsers.findByEmail(email)).toBeNull();
  });
});
