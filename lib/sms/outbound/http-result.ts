import type { SendResult } from './sender';

const MAX_ERROR = 200;

/**
 * How gateways' HTTP answers are judged: 2xx sent; 408, 429 and 5xx are passing trouble; any
 * other 4xx is a refusal (wrong credentials, bad number) that retrying would only repeat.
 */
export function resultOfStatus(status: number, body: string): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, error: truncate(`HTTP ${status}: ${body.trim() || 'no body'}`), retryable };
}

/** A request that never got an answer (refused connection, DNS, timeout) may well work later. */
export function resultOfNetworkError(error: unknown): SendResult {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? `${error.name === 'TimeoutError' ? 'timed out' : error.message}${cause}` : String(error);
  return { ok: false, error: truncate(message), retryable: true };
}

export function truncate(text: string, max = MAX_ERROR): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
