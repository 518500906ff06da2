import type { Response } from 'express';
import { z } from 'zod';
import type { Registration, Verification } from '../../caller-ids';
import type { E164 } from '../../domain/phone-number';
import type { Account, CallerId } from '../../store';
import { accountOrThrow, phoneNumber, type ApiContext } from './context';
import { ApiError, forbidden, notFound } from './errors';
import { targetAccount, type Principal } from './principal';
import { defineRoute, type Route } from './route';
import { accountQuery, callerIdBody, callerIdPatch, callerIdView, errorBody, numberParams, verifyBody } from './schemas';
import { callerIdOut, claimOut } from './views';

export const CODE_FAILED = 'the code is wrong or has expired; ask for a new one if needed';

/** A registration that went ahead; a refusal is thrown (429 with Retry-After), for the API and the portal alike. */
export function grantedRegistration(outcome: Registration): Extract<Registration, { kind: 'verified' | 'pending' }> {
  switch (outcome.kind) {
    case 'too_soon':
      throw new ApiError(429, 'rate_limited', `a code was sent a moment ago; ask again in ${outcome.retryAfterSeconds} s`, undefined, outcome.retryAfterSeconds);
    case 'too_many':
      throw new ApiError(429, 'rate_limited', 'no more codes are sent for this claim; remove the number and register it again later');
    default:
      return outcome;
  }
}

/** A registration's outcome as an API answer. */
export function registrationOut(outcome: Registration): { status: 200 | 202; body: z.input<typeof callerIdView> } {
  const granted = grantedRegistration(outcome);
  return granted.kind === 'verified' ? { status: 200, body: callerIdOut(granted.callerId) } : { status: 202, body: claimOut(granted.claim) };
}

/** The number a right code verified; a refusal is thrown, for the API and the portal alike. */
export function verifiedCallerId(outcome: Verification): CallerId {
  if (outcome.ok) return outcome.callerId;
  if (outcome.reason === 'locked') throw new ApiError(429, 'rate_limited', `too many wrong codes; try again in ${outcome.retryAfterSeconds} s`, 'code', outcome.retryAfterSeconds);
  // Like any number the account never registered: another account's number reads the same.
  if (outcome.reason === 'no_claim') throw notFound('caller ID waiting for verification');
  throw new ApiError(400, 'validation_failed', CODE_FAILED, 'code');
}

/** Answers more than one route gives, declared once so that their documentation cannot drift apart. */
const noWaitingClaim = { description: 'the account has no registration waiting for this number', schema: errorBody };
const codeRefused = { description: 'a code was sent too recently, or too many were', schema: errorBody };
const notOurs = { description: 'not a number of the account', schema: errorBody };

const respond = (res: Response, outcome: Registration): void => {
  const { status, body } = registrationOut(outcome);
  res.status(status).json(body);
};

/**
 * A1 and #15 item 8: the numbers that act for the account when they call or text, once their
 * ownership is shown (a code sent by SMS and typed back) and authorization is allowed.
 */
export function callerIdRoutes(ctx: ApiContext): Route[] {
  const target = async (principal: Principal, accountId: number | undefined, input: string): Promise<{ account: Account; number: E164 }> => {
    const account = await accountOrThrow(ctx, targetAccount(principal, accountId));
    return { account, number: phoneNumber(ctx, account, input, 'number') };
  };

  const list = defineRoute(
    {
      method: 'get',
      path: '/caller-ids',
      operationId: 'listCallerIds',
      summary: "The account's registered numbers, verified ones first, then those waiting for their code",
      tag: 'caller IDs',
      authenticated: true,
      query: accountQuery,
      responses: { 200: { description: 'numbers', schema: z.object({ items: z.array(callerIdView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId);
      const [verified, pending] = await Promise.all([ctx.store.callerIds.listForAccount(accountId), ctx.store.callerIdClaims.listForAccount(accountId)]);
      res.json({ items: [...verified.map(callerIdOut), ...pending.map(claimOut)] });
    },
  );

  const register = defineRoute(
    {
      method: 'post',
      path: '/caller-ids',
      operationId: 'registerCallerId',
      summary: 'Register a number: a code is sent to it by SMS, and it counts once the code is typed back (POST …/verify)',
      tag: 'caller IDs',
      authenticated: true,
      body: callerIdBody,
      responses: {
        202: { description: 'a code was sent to the number (the same answer whether or not the number is known elsewhere)', schema: callerIdView },
        200: { description: 'the number is already a verified number of the account', schema: callerIdView },
        201: { description: 'operator with verified: true: registered as verified', schema: callerIdView },
        409: { description: 'operator with verified: true: the number is registered already', schema: errorBody },
        429: codeRefused,
      },
    },
    async ({ res, principal, body }) => {
      const { account, number } = await target(principal, body.accountId, body.number);
      if (body.verified) {
        // Only the operator may vouch for a number without the code (#15 item 8).
        if (principal.kind !== 'operator') throw forbidden('only the operator may register a number as verified');
        const callerId = await ctx.store.callerIds.add({ accountId: account.id, number, allowAuthorization: body.allowAuthorization, verifiedVia: 'operator' });
        res.status(201).json(callerIdOut(callerId));
        return;
      }
      respond(res, await ctx.verification.register(account.id, number, body.allowAuthorization));
    },
  );

  const verify = defineRoute(
    {
      method: 'post',
      path: '/caller-ids/:number/verify',
      operationId: 'verifyCallerId',
      summary: 'Type back the code sent to the number; on success the number is verified',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      body: verifyBody,
      responses: {
        200: { description: 'verified', schema: callerIdView },
        400: { description: 'wrong or expired code', schema: errorBody },
        404: noWaitingClaim,
        429: { description: 'too many wrong codes: locked for a while', schema: errorBody },
      },
    },
    async ({ res, principal, params, query, body }) => {
      const { account, number } = await target(principal, query.accountId, params.number);
      res.json(callerIdOut(verifiedCallerId(await ctx.verification.verify(account.id, number, body.code))));
    },
  );

  const resend = defineRoute(
    {
      method: 'post',
      path: '/caller-ids/:number/resend',
      operationId: 'resendCallerIdCode',
      summary: 'Send a new code to a number waiting for verification',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      responses: {
        202: { description: 'a new code was sent', schema: callerIdView },
        200: { description: 'the number is verified already', schema: callerIdView },
        404: noWaitingClaim,
        429: codeRefused,
      },
    },
    async ({ res, principal, params, query }) => {
      const { account, number } = await target(principal, query.accountId, params.number);
      const outcome = await ctx.verification.resend(account.id, number);
      if (!outcome) throw notFound('caller ID waiting for verification');
      respond(res, outcome);
    },
  );

  const patch = defineRoute(
    {
      method: 'patch',
      path: '/caller-ids/:number',
      operationId: 'setCallerIdAuthorization',
      summary: 'Allow or stop authorization by this number (for one waiting for its code: once verified)',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      body: callerIdPatch,
      responses: { 200: { description: 'changed', schema: callerIdView }, 404: notOurs },
    },
    async ({ res, principal, params, query, body }) => {
      const { account, number } = await target(principal, query.accountId, params.number);
      if (await ctx.store.callerIds.setAllowAuthorization(account.id, number, body.allowAuthorization)) {
        const callerId = await ctx.store.callerIds.findByNumber(number);
        if (callerId?.accountId === account.id) return void res.json(callerIdOut(callerId));
      }
      if (await ctx.store.callerIdClaims.setAllowAuthorization(account.id, number, body.allowAuthorization)) {
        const claim = await ctx.store.callerIdClaims.find(account.id, number);
        if (claim) return void res.json(claimOut(claim));
      }
      throw notFound('caller ID');
    },
  );

  const remove = defineRoute(
    {
      method: 'delete',
      path: '/caller-ids/:number',
      operationId: 'removeCallerId',
      summary: 'Remove a number, verified or waiting for its code',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      responses: { 204: { description: 'removed' }, 404: notOurs },
    },
    async ({ res, principal, params, query }) => {
      const { account, number } = await target(principal, query.accountId, params.number);
      const removed = (await ctx.store.callerIds.remove(account.id, number)) || (await ctx.store.callerIdClaims.remove(account.id, number));
      if (!removed) throw notFound('caller ID');
      res.status(204).end();
    },
  );

  return [list, register, verify, resend, patch, remove];
}
