/*
 * Errors from Node's own modules may come from another realm (jest's vm sandbox, worker
 * threads), where `instanceof Error` is false; read their fields by shape instead.
 */

export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
