import { timingSafeEqual } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Account, PortalSession, PortalUser, Store } from '../../store';
import { ApiError } from '../api/errors';
import { setPrincipal } from '../api/principal';
import { nationalCountry } from '../../domain/national-country';
import { readCookies } from './cookies';

export const SESSION_COOKIE = 'callback_session';
/** Before login: a random token, double-submitted by the login form (login CSRF). */
export const LOGIN_COOKIE = 'callback_login';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface PortalLogin {
  /** The cookie's value, to end the session on logout. */
  id: string;
  session: PortalSession;
  user: PortalUser;
  account: Account;
  /** Where the subscriber's national numbers are read (domain/national-country.ts). */
  country: CountryCode;
}

export function loginOf(res: Response): PortalLogin | undefined {
  return (res.locals as { portal?: PortalLogin }).portal;
}

export function requireLogin(res: Response): PortalLogin {
  const login = loginOf(res);
  if (!login) throw new ApiError(401, 'unauthorized', 'please log in');
  return login;
}

/** Loads the session named by the cookie (if any, valid, and its account active) into res.locals, with the country its national numbers are read in. */
export function loadSession(store: Pick<Store, 'portalUsers' | 'accounts' | 'callerIds'>, defaultCountry: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = readCookies(req).get(SESSION_COOKIE);
    if (!id) return next();
    store.portalUsers
      .findSession(id)
      .then(async (found) => {
        if (!found) return;
        const account = await store.accounts.findById(found.user.accountId);
        if (!account?.active) return;
        const callerIds = account.country ? [] : await store.callerIds.listForAccount(account.id);
        const country = nationalCountry(account, [account.callbackNumber, ...callerIds.map((c) => c.number)], defaultCountry);
        (res.locals as { portal?: PortalLogin }).portal = { id, ...found, account, country };
        setPrincipal(res, { kind: 'account', accountId: account.id, label: `portal ${found.user.email}` });
      })
      .then(() => next(), next);
  };
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The CSRF token a request carries: the form field, else the header (fetch from the page's script). */
export function submittedToken(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body && typeof body[CSRF_FIELD] === 'string' ? body[CSRF_FIELD] : undefined;
  return field ?? req.get(CSRF_HEADER) ?? undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** API mount: a session is required, and every state-changing request must carry its CSRF token. */
export function sessionApiAuth(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const login = loginOf(res);
    if (!login) return next(new ApiError(401, 'unauthorized', 'log in to the portal first'));
    if (!SAFE_METHODS.has(req.method) && !sameToken(req.get(CSRF_HEADER) ?? undefined, login.session.csrfToken)) {
      return next(new ApiError(403, 'csrf_failed', 'missing or wrong CSRF token'));
    }
    next();
  };
}
