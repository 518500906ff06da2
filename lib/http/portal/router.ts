import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidOrder } from '../../callback/engine/order';
import type { Registration } from '../../caller-ids';
import { SIGN_UP_WINDOW_MS, type SignUpSettings } from '../../config/sign-up-schema';
import { SelfSignUp, SignUpMisconfigured } from '../../onboarding/sign-up';
import { MIN_PASSWORD_LENGTH, MODES, InvalidStoreInput, StoreConflict, type CallbackMode, type Store } from '../../store';
import { scheduledDueAt, visibleRequest } from '../api/callbacks';
import { grantedRegistration, verifiedCallerId } from '../api/caller-ids';
import { phoneNumberIn, type ApiContext } from '../api/context';
import { ApiError, apiErrorHandler } from '../api/errors';
import { countOrder, DEFAULT_ORDER_LIMIT } from '../api/order-limit';
import { RateLimiter } from '../api/rate-limit';
import { apiContext, mountRoutes, principalRoutes, type ApiDependencies } from '../api/router';
import { clearCookie, readCookies, setCookie } from './cookies';
import { faxesPage, paymentsPage, ratesPage, recordingsPage, type TariffRates } from './account-pages';
import { callbackPage, dashboardPage, errorPage, loginPage, signUpPage, type DashboardView } from './html';
import type { Viewer } from './layout';
import { searchRates } from './rate-search';
import { PORTAL_SCRIPT } from './script';
import { PORTAL_STYLESHEET } from './style';
import { requestStateWords } from './wording';
import { CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE, loadSession, loginOf, sameToken, sessionApiAuth, type PortalLogin } from './session';

/** Where the portal serves the API's routes under its session (the page's script uses them). */
export const PORTAL_API_PREFIX = '/portal/api/v1';

export interface LoginLimit {
  /** Attempts per client address and window. */
  perIp: number;
  /** Wrong logins in a row that lock an email, on every instance (stored in the database; a success resets it). */
  perEmail: number;
  /** The address window, and how long a locked email stays locked. */
  windowMs: number;
}

export interface PortalDependencies extends ApiDependencies {
  /** Shared with the rest of the service; default: one of its own on `db`. */
  store?: Store;
  /** settings.http.publicUrl: an https:// address marks the cookies Secure. */
  publicUrl?: string;
  /** How long a login lasts; default 12 hours. */
  sessionTtlMs?: number;
  /** Default: 20 attempts per address and 5 per email in 15 minutes. */
  loginLimit?: LoginLimit;
  /** settings.signUp: `/signup` exists only when it is enabled. */
  signUp?: SignUpSettings;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimit = { perIp: 20, perEmail: 5, windowMs: 15 * 60_000 };

const FORM_LIMIT = '16kb';
const SIGN_UP_EMAIL = z.email().max(100);
const LOGIN_FAILED = 'Wrong email or password.';
/** The answer to every accepted sign-up, new email or taken: it must not say which. */
const SIGNED_UP =
  'Thank you. Log in with your email and password to go on. If the email was new, your account is open and we sent a code to your number by SMS: type it in on your home page. If the email had an account already, nothing changed: log in with its password, or ask us to reset it.';

/**
 * W5: the subscriber's web portal, to mount at `/` after the API. Sessions are rows in
 * portal_sessions (the cookie holds 32 random bytes, the table their SHA-256), so all instances
 * share them; each session has its CSRF token, required on every state-changing request.
 */
export function portalRouter(deps: PortalDependencies): Router {
  const ctx: ApiContext = { ...apiContext(deps, 'web'), ...(deps.store ? { store: deps.store } : {}) };
  const { store, clock } = ctx;
  const secure = deps.publicUrl?.startsWith('https:') ?? false;
  const ttlMs = deps.sessionTtlMs ?? 12 * 3600_000;
  const limits = deps.loginLimit ?? DEFAULT_LOGIN_LIMIT;
  const ipLimiter = new RateLimiter({ limit: limits.perIp, windowMs: limits.windowMs, clock });
  const orderLimit = deps.orderLimit ?? DEFAULT_ORDER_LIMIT;
  const signUpSettings = deps.signUp?.enabled ? deps.signUp : null;

  const router = express.Router();
  // Marks requests that reached the portal without an error (an error raised by a router mounted
  // before it skips this), so the HTML error handler below leaves others' errors alone.
  router.use((req, res, next) => {
    if (!req.originalUrl.startsWith(PORTAL_API_PREFIX)) (res.locals as { portalPage?: boolean }).portalPage = true;
    next();
  });
  const session = loadSession(store, ctx.defaultCountry);
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 50 });

  router.get('/portal/app.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(PORTAL_SCRIPT);
  });
  router.get('/portal/app.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'no-cache').send(PORTAL_STYLESHEET);
  });

  // The API's own routes, acting for the session's account (the live streams included).
  const api = express.Router();
  api.use(express.json({ limit: '64kb' }), session);
  mountRoutes(api, principalRoutes(ctx, deps), sessionApiAuth());
  api.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  api.use(apiErrorHandler(deps.logger));
  router.use(PORTAL_API_PREFIX, api);

  const html = (res: Response, status: number, body: string): void => {
    res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
  };

  /** A page for a logged-in subscriber; anonymous visitors go to the login page. */
  const page =
    (handle: (req: Request, res: Response, login: PortalLogin) => Promise<void>): RequestHandler[] =>
    [
      session,
      (req, res, next) => {
        const login = loginOf(res);
        if (!login) return res.redirect(303, '/');
        handle(req, res, login).catch(next);
      },
    ];

  /** A form post: needs the session and its CSRF token in the form. */
  const action =
    (handle: (req: Request, res: Response, login: PortalLogin, fields: Record<string, string>) => Promise<void>): RequestHandler[] =>
    [
      form,
      session,
      (req, res, next) => {
        const login = loginOf(res);
        if (!login) return html(res, 401, errorPage(401, 'Your session has ended: please log in again.'));
        const fields = formFields(req);
        if (!sameToken(fields[CSRF_FIELD], login.session.csrfToken)) return html(res, 403, errorPage(403, 'This form has expired: please reload the page and try again.'));
        handle(req, res, login, fields).catch(next);
      },
    ];

  const dashboard = async (res: Response, login: PortalLogin, status: number, extra: Pick<DashboardView, 'error' | 'notice' | 'form'> = {}): Promise<void> => {
    const accountId = login.account.id;
    const [balance, callerIds, pendingCallerIds, phoneBook, callbacks, history] = await Promise.all([
      store.accounts.balance(accountId),
      store.callerIds.listForAccount(accountId),
      store.callerIdClaims.listForAccount(accountId),
      store.phoneBook.list(accountId),
      store.callbackRequests.list({ accountId, limit: 20, offset: 0 }),
      store.cdrs.list({ accountId, limit: 50 }),
    ]);
    if (!balance) throw new ApiError(404, 'not_found', 'no such account');
    html(res, status, dashboardPage({ account: login.account, email: login.user.email, csrf: login.session.csrfToken, balance, callerIds, pendingCallerIds, phoneBook, callbacks, history, now: clock.now(), ...extra }));
  };

  /** The CSRF token of the forms used before a session exists (log in, sign up), in a cookie of its own. */
  const anonymousToken = (req: Request, res: Response): string => {
    // Keep the browser's token (several tabs, a retried login); make one when there is none.
    const current = readCookies(req).get(LOGIN_COOKIE);
    const token = current && /^[\w-]{43}$/.test(current) ? current : randomBytes(32).toString('base64url');
    setCookie(res, LOGIN_COOKIE, token, { secure });
    return token;
  };

  /** Logs the browser in as `userId`, with a new session id (one planted before is worth nothing). */
  const openSession = async (req: Request, res: Response, userId: number): Promise<void> => {
    const old = readCookies(req).get(SESSION_COOKIE);
    if (old) await store.portalUsers.deleteSession(old);
    const { id } = await store.portalUsers.createSession(userId, ttlMs);
    setCookie(res, SESSION_COOKIE, id, { secure, maxAgeSeconds: Math.floor(ttlMs / 1000) });
    clearCookie(res, LOGIN_COOKIE, secure);
  };

  const showLogin = (req: Request, res: Response, status: number, error?: string, email?: string, notice?: string): void => {
    const csrf = anonymousToken(req, res);
    html(res, status, loginPage({ csrf, signUp: signUpSettings !== null, ...(error ? { error } : {}), ...(email ? { email } : {}), ...(notice ? { notice } : {}) }));
  };

  router.get('/', session, (req, res, next) => {
    const login = loginOf(res);
    if (!login) return showLogin(req, res, 200);
    dashboard(res, login, 200).catch(next);
  });

  router.post('/login', form, (req, res, next) => {
    const fields = formFields(req);
    const email = (fields.email ?? '').trim().toLowerCase();
    const password = fields.password ?? '';
    // Login CSRF: the form must come back with the token its page set as a cookie.
    if (!sameToken(fields[CSRF_FIELD], readCookies(req).get(LOGIN_COOKIE))) return showLogin(req, res, 403, 'The login form expired: please try again.', email);
    const tooMany = (waitSeconds: number): void => {
      res.set('Retry-After', String(waitSeconds));
      showLogin(req, res, 429, `Too many attempts: please wait ${Math.ceil(waitSeconds / 60)} minute(s) and try again.`, email);
    };
    const wait = ipLimiter.hit(`ip:${req.ip ?? 'unknown'}`);
    if (wait > 0) return tooMany(wait);
    (async () => {
      // Counted per email in the database, so the limit holds across instances and restarts.
      const check = await store.portalUsers.checkLogin(email, password, { maxAttempts: limits.perEmail, lockMs: limits.windowMs });
      if (!check.ok && check.reason === 'locked') {
        deps.logger.info('portal login refused: locked', { ip: req.ip });
        return tooMany(Math.max(1, Math.ceil((check.lockedUntil - clock.now()) / 1000)));
      }
      const user = check.ok ? check.user : null;
      const account = user ? await store.accounts.findById(user.accountId) : null;
      if (!user || !account?.active) {
        deps.logger.info('portal login refused', { ip: req.ip });
        return showLogin(req, res, 401, LOGIN_FAILED, email);
      }
      await openSession(req, res, user.id);
      deps.logger.info('portal login', { accountId: account.id, userId: user.id });
      res.redirect(303, '/');
    })().catch(next);
  });

  if (signUpSettings) {
    const selfSignUp = new SelfSignUp({ store, clock, logger: deps.logger, verification: ctx.verification, settings: signUpSettings, defaultCountry: ctx.defaultCountry });
    const showSignUp = (req: Request, res: Response, status: number, fields: Record<string, string> = {}, error?: string): void => {
      const csrf = anonymousToken(req, res);
      html(res, status, signUpPage({ csrf, minPasswordLength: MIN_PASSWORD_LENGTH, email: fields.email, number: fields.number, ...(error ? { error } : {}) }));
    };

    router.get('/signup', session, (req, res) => {
      if (loginOf(res)) return res.redirect(303, '/');
      showSignUp(req, res, 200);
    });

    router.post('/signup', form, (req, res, next) => {
      const fields = formFields(req);
      if (!sameToken(fields[CSRF_FIELD], readCookies(req).get(LOGIN_COOKIE))) return showSignUp(req, res, 403, fields, 'The form expired: please try again.');
      (async () => {
        const ip = req.ip ?? 'unknown';
        // In the database, so the limit holds across instances and restarts.
        const hit = await store.rateLimits.hit(`signup:${ip}`, { limit: signUpSettings.perIpPerHour, windowMs: SIGN_UP_WINDOW_MS });
        if (!hit.allowed) {
          const waitSeconds = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
          if (hit.firstRefusal) deps.logger.info('portal sign-up refused: too many from this address', { ip });
          res.set('Retry-After', String(waitSeconds));
          return showSignUp(req, res, 429, fields, `Too many attempts: please wait ${Math.ceil(waitSeconds / 60)} minute(s) and try again.`);
        }
        try {
          const email = (fields.email ?? '').trim().toLowerCase();
          // The account is named by the email, and account names are at most 100 characters.
          if (!SIGN_UP_EMAIL.safeParse(email).success) throw new ApiError(400, 'validation_failed', 'Give a valid email address of at most 100 characters.');
          const password = fields.password ?? '';
          if (password.length < MIN_PASSWORD_LENGTH || password.length > 200) throw new ApiError(400, 'validation_failed', `Choose a password of ${MIN_PASSWORD_LENGTH} to 200 characters.`);
          const number = phoneNumberIn(selfSignUp.country, fields.number ?? '', 'Your phone number');
          // A taken email reads like a new one (no session either way): the form tells no one who has an account.
          await selfSignUp.signUp({ email, password, number, ip });
          showLogin(req, res, 202, undefined, email, SIGNED_UP);
        } catch (error) {
          if (error instanceof SignUpMisconfigured) {
            deps.logger.error('portal sign-up is misconfigured', { error: error.message });
            return html(res, 503, errorPage(503, 'Opening an account is not possible at the moment: please try again later.'));
          }
          const known = userError(error);
          if (!known) throw error;
          showSignUp(req, res, known.status, fields, known.message);
        }
      })().catch(next);
    });
  }

  router.post(
    '/logout',
    ...action(async (_req, res, login) => {
      await store.portalUsers.deleteSession(login.id);
      clearCookie(res, SESSION_COOKIE, secure);
      res.redirect(303, '/');
    }),
  );

  router.post(
    '/callbacks',
    ...action(async (_req, res, login, fields) => {
      const account = login.account;
      try {
        // The same budget as the API's (and the portal's API mount), in the database.
        await countOrder(store, { kind: 'account', accountId: account.id, label: 'portal' }, orderLimit);
        const source = phoneNumberIn(login.country, fields.source ?? '', 'source');
        const destinationInput = (fields.destination ?? '').trim();
        const destination = destinationInput ? phoneNumberIn(login.country, destinationInput, 'destination') : null;
        const mode = (MODES as readonly string[]).includes(fields.mode ?? '') ? (fields.mode as CallbackMode) : 'source_first';
        const dueAt = fields.when === 'later' ? laterDueAt(ctx, account.timeZone, fields.at ?? '') : undefined;
        // The engine holds the source to the account's verified numbers (#15 item 5), as for the API.
        const { request } = await ctx.engine.order({ accountId: account.id, trigger: 'web', source, destination, mode, bySubscriber: true, ...(dueAt !== undefined ? { dueAt } : {}) });
        res.redirect(303, `/callbacks/${encodeURIComponent(request.id)}`);
      } catch (error) {
        const known = userError(error);
        if (!known) throw error;
        if (error instanceof ApiError && error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
        await dashboard(res, login, known.status, { error: known.message, form: fields });
      }
    }),
  );

  router.get(
    '/callbacks/:id',
    ...page(async (req, res, login) => {
      let request;
      try {
        request = await visibleRequest(ctx, { kind: 'account', accountId: login.account.id, label: 'portal' }, String(req.params.id));
      } catch {
        return html(res, 404, errorPage(404, 'No such callback.'));
      }
      const legs = await store.legs.listForRequest(request.id);
      html(res, 200, callbackPage({ account: login.account, email: login.user.email, csrf: login.session.csrfToken, request, legs }));
    }),
  );

  router.post(
    '/callbacks/:id/cancel',
    ...action(async (req, res, login) => {
      const principal = { kind: 'account', accountId: login.account.id, label: 'portal' } as const;
      let request;
      try {
        request = await visibleRequest(ctx, principal, String(req.params.id));
      } catch {
        return html(res, 404, errorPage(404, 'No such callback.'));
      }
      const cancelled = await ctx.engine.cancel(request.id);
      const after = (await store.callbackRequests.findById(request.id)) ?? request;
      const legs = await store.legs.listForRequest(request.id);
      const view = { account: login.account, email: login.user.email, csrf: login.session.csrfToken, request: after, legs };
      html(res, cancelled ? 200 : 409, callbackPage(cancelled ? { ...view, notice: 'Cancelled.' } : { ...view, error: `This callback can no longer be cancelled (${requestStateWords(after.state).toLowerCase()}).` }));
    }),
  );

  const viewer = (login: PortalLogin): Viewer => ({ email: login.user.email, csrf: login.session.csrfToken });

  // Read-only pages of the account: recordings, faxes, payments and its rates.
  router.get(
    '/recordings',
    ...page(async (_req, res, login) => {
      const recordings = await store.recordings.listForAccount(login.account.id);
      html(res, 200, recordingsPage({ account: login.account, viewer: viewer(login), recordings }));
    }),
  );

  router.get(
    '/faxes',
    ...page(async (_req, res, login) => {
      const faxes = await store.faxes.listForAccount(login.account.id);
      html(res, 200, faxesPage({ account: login.account, viewer: viewer(login), faxes }));
    }),
  );

  router.get(
    '/payments',
    ...page(async (_req, res, login) => {
      const payments = await store.payments.listForAccount(login.account.id, { limit: 200 });
      html(res, 200, paymentsPage({ account: login.account, viewer: viewer(login), payments }));
    }),
  );

  router.get(
    '/rates',
    ...page(async (req, res, login) => {
      const query = typeof req.query.q === 'string' ? req.query.q.slice(0, 40) : '';
      const tariffRates = async (title: string, tariffId: number | null): Promise<TariffRates> => {
        const tariff = tariffId === null ? null : await store.tariffs.findTariffById(tariffId);
        const found = tariff ? searchRates(await store.tariffs.listRates(tariff.id), query) : { rates: [], more: false };
        return { title, tariff, ...found };
      };
      const tariffs = await Promise.all([tariffRates('Calls to other numbers', login.account.tariffId), tariffRates('Calling you back', login.account.callbackTariffId)]);
      html(res, 200, ratesPage({ account: login.account, viewer: viewer(login), query, tariffs }));
    }),
  );

  /** Runs a small edit of the account's data and shows the account again, with its outcome. */
  const edit = (run: (login: PortalLogin, fields: Record<string, string>) => Promise<string>) =>
    action(async (_req, res, login, fields) => {
      try {
        const notice = await run(login, fields);
        await dashboard(res, login, 200, { notice });
      } catch (error) {
        const known = userError(error);
        if (!known) throw error;
        await dashboard(res, login, known.status, { error: known.message });
      }
    });

  router.post(
    '/phone-book',
    ...edit(async (login, fields) => {
      const name = (fields.name ?? '').trim();
      if (!name || name.length > 100) throw new ApiError(400, 'validation_failed', 'Give the entry a name (at most 100 characters).');
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      await store.phoneBook.save({ accountId: login.account.id, name, number });
      return `Saved ${name}.`;
    }),
  );

  router.post(
    '/phone-book/delete',
    ...edit(async (login, fields) => {
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      if (!(await store.phoneBook.remove(login.account.id, number))) throw new ApiError(404, 'not_found', 'No such entry in your phone book.');
      return `Removed ${number}.`;
    }),
  );

  router.post(
    '/caller-ids',
    ...edit(async (login, fields) => {
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      return registrationNotice(number, await ctx.verification.register(login.account.id, number, fields.allowAuthorization === 'yes'));
    }),
  );

  router.post(
    '/caller-ids/verify',
    ...edit(async (login, fields) => {
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      verifiedCallerId(await ctx.verification.verify(login.account.id, number, (fields.code ?? '').trim()));
      return `${number} is confirmed.`;
    }),
  );

  router.post(
    '/caller-ids/resend',
    ...edit(async (login, fields) => {
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      const outcome = await ctx.verification.resend(login.account.id, number);
      if (!outcome) throw new ApiError(404, 'not_found', 'That number is not waiting for a code.');
      return registrationNotice(number, outcome);
    }),
  );

  router.post(
    '/caller-ids/delete',
    ...edit(async (login, fields) => {
      const number = phoneNumberIn(login.country, fields.number ?? '', 'number');
      const removed = (await store.callerIds.remove(login.account.id, number)) || (await store.callerIdClaims.remove(login.account.id, number));
      if (!removed) throw new ApiError(404, 'not_found', 'That is not one of your numbers.');
      return `Removed ${number}.`;
    }),
  );

  // Errors of the portal's pages: an HTML page, never a stack trace.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(res.locals as { portalPage?: boolean }).portalPage) return next(error);
    const known = userError(error);
    if (!known) deps.logger.error('unhandled error in a portal request', { error: error instanceof Error ? error.message : String(error) });
    if (res.headersSent) return void res.end();
    html(res, known?.status ?? 500, errorPage(known?.status ?? 500, known?.message ?? 'Something went wrong.'));
  });

  return router;
}

function formFields(req: Request): Record<string, string> {
  const fields: Record<string, string> = {};
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return fields;
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

/** A `datetime-local` value, read in the account's time zone. */
function laterDueAt(ctx: ApiContext, timeZone: string, at: string): number {
  return scheduledDueAt(ctx, at, timeZone, 'Give a date and time for the callback.');
}

/** A registration's outcome for the page. Fresh numbers and numbers known elsewhere read alike. */
function registrationNotice(number: string, outcome: Registration): string {
  return grantedRegistration(outcome).kind === 'verified'
    ? `${number} is already one of your confirmed numbers.`
    : `We sent a code to ${number} by SMS: type it in below to confirm the number.`;
}

/** Errors the subscriber can act on, as a status and a message for the page. */
function userError(error: unknown): { status: number; message: string } | null {
  if (error instanceof ApiError) return { status: error.status, message: error.field ? `${error.field}: ${error.message}` : error.message };
  if (error instanceof InvalidOrder) return { status: 400, message: error.issues.split('\n')[0] ?? error.issues };
  if (error instanceof InvalidStoreInput) return { status: 400, message: error.issues };
  if (error instanceof StoreConflict) return { status: 409, message: error.message };
  // The form parser's refusals (a form over the size limit, a malformed one) are the sender's fault.
  const parser = error as { type?: string; status?: number };
  if (parser.type === 'entity.too.large') return { status: 413, message: 'The form is too large.' };
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) return { status: parser.status, message: 'The form could not be read.' };
  return null;
}
