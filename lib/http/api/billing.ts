import { z } from 'zod';
import { minorUnits } from '../../domain/money';
import { accountOrThrow, type ApiContext } from './context';
import { forbidden } from './errors';
import { targetAccount } from './principal';
import { defineRoute, type Route } from './route';
import { accountQuery, adjustmentView, balanceView, cdrView, discrepancyView, errorBody, historyQuery, paymentBody, paymentView } from './schemas';
import { adjustmentOut, cdrOut, discrepancyOut, paymentOut } from './views';

/** W4/B5: balance, payments (recorded by the operator only), the call history (CDRs with costs) and the corrections of estimated legs. */
export function billingRoutes(ctx: ApiContext): Route[] {
  const balance = defineRoute(
    {
      method: 'get',
      path: '/balance',
      operationId: 'getBalance',
      summary: 'Balance, credit limit, held and available amounts',
      tag: 'billing',
      authenticated: true,
      query: accountQuery,
      responses: { 200: { description: 'the balance', schema: balanceView } },
    },
    async ({ res, principal, query }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, query.accountId));
      const b = await ctx.store.accounts.balance(account.id);
      res.json({ currency: account.currency, ...b });
    },
  );

  const payments = defineRoute(
    {
      method: 'get',
      path: '/payments',
      operationId: 'listPayments',
      summary: 'Payments, newest first',
      tag: 'billing',
      authenticated: true,
      query: accountQuery.extend({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      responses: { 200: { description: 'payments', schema: z.object({ items: z.array(paymentView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId);
      res.json({ items: (await ctx.store.payments.listForAccount(accountId, { limit: query.limit })).map(paymentOut) });
    },
  );

  const pay = defineRoute(
    {
      method: 'post',
      path: '/payments',
      operationId: 'recordPayment',
      summary: 'Record a payment or correction (operator only)',
      tag: 'billing',
      authenticated: true,
      operatorOnly: true,
      body: paymentBody,
      responses: { 201: { description: 'recorded', schema: paymentView }, 403: { description: 'not the operator', schema: errorBody } },
    },
    async ({ res, principal, body }) => {
      if (principal.kind !== 'operator') throw forbidden('only the operator records payments');
      const account = await accountOrThrow(ctx, body.accountId);
      const payment = await ctx.store.payments.record({
        accountId: account.id,
        amountMinor: minorUnits(body.amountMinor),
        currency: account.currency,
        method: body.method,
        reference: body.reference ?? null,
        operator: principal.label,
        allowNegative: body.allowNegative,
      });
      res.status(201).json(paymentOut(payment));
    },
  );

  const history = defineRoute(
    {
      method: 'get',
      path: '/history',
      operationId: 'callHistory',
      summary: 'Call history: one record per leg with its cost',
      tag: 'billing',
      authenticated: true,
      query: historyQuery,
      responses: { 200: { description: 'records, oldest first', schema: z.object({ items: z.array(cdrView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId, true);
      const rows = await ctx.store.cdrs.list({ accountId, from: query.from, to: query.to, limit: query.limit });
      res.json({ items: rows.map(cdrOut) });
    },
  );

  const adjustments = defineRoute(
    {
      method: 'get',
      path: '/adjustments',
      operationId: 'listAdjustments',
      summary: 'Corrections of legs settled from an estimate, to the CDR FreeSWITCH posted',
      tag: 'billing',
      authenticated: true,
      query: historyQuery,
      responses: { 200: { description: 'adjustments, oldest first', schema: z.object({ items: z.array(adjustmentView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId, true);
      const rows = await ctx.store.billingAdjustments.list({ accountId, from: query.from, to: query.to, limit: query.limit });
      res.json({ items: rows.map(adjustmentOut) });
    },
  );

  const discrepancies = defineRoute(
    {
      method: 'get',
      path: '/discrepancies',
      operationId: 'listDiscrepancies',
      summary: 'Legs whose rated cost was more than their hold: the hold was charged, the excess recorded here and not charged',
      tag: 'billing',
      authenticated: true,
      query: historyQuery,
      responses: { 200: { description: 'discrepancies, oldest first', schema: z.object({ items: z.array(discrepancyView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId, true);
      const rows = await ctx.store.billingDiscrepancies.list({ accountId, from: query.from, to: query.to, limit: query.limit });
      res.json({ items: rows.map(discrepancyOut) });
    },
  );

  return [balance, payments, pay, history, adjustments, discrepancies];
}
