import type { Response } from 'express';
import { ApiError, forbidden } from './errors';

/** Who is calling: one account (its API key or its portal session), or the operator (sees all). */
export type Principal = { readonly kind: 'account'; readonly accountId: number; readonly label: string } | { readonly kind: 'operator'; readonly label: string };

export function principalOf(res: Response): Principal {
  const principal = (res.locals as { principal?: Principal }).principal;
  if (!principal) throw new ApiError(401, 'unauthorized', 'authentication required');
  return principal;
}

export function setPrincipal(res: Response, principal: Principal): void {
  (res.locals as { principal?: Principal }).principal = principal;
}

/**
 * The account a call acts on. An account acts on itself (naming another is refused); the
 * operator must name one, except where `optional` lets it act on all (lists).
 */
export function targetAccount(principal: Principal, requested: number | undefined): number;
export function targetAccount(principal: Principal, requested: number | undefined, optional: true): number | undefined;
export function targetAccount(principal: Principal, requested: number | undefined, optional = false): number | undefined {
  if (principal.kind === 'account') {
    if (requested !== undefined && requested !== principal.accountId) throw forbidden('an account key may only act on its own account');
    return principal.accountId;
  }
  if (requested === undefined && !optional) throw new ApiError(400, 'validation_failed', 'the operator must name the account', 'accountId');
  return requested;
}

/** Whether the principal may see a row owned by `accountId`; rows of others read as "not found". */
export function mayAccess(principal: Principal, accountId: number | null): boolean {
  return principal.kind === 'operator' || principal.accountId === accountId;
}
