import type { E164 } from './phone-number';

/**
 * Whom a leg calls: a number through a carrier, or a user registered on the FreeSWITCH node
 * itself (an access number's `call_extension` method), dialed as `user/<extension>@<domain>`.
 * Kept apart from E164 so that nothing priced, routed or shown as a number gets an extension.
 */
export type Extension = string & { readonly __brand: 'Extension' };

/** A directory domain: a host name or IPv4 address. Never a `${…}` variable, never dial-string syntax. */
export type ExtensionDomain = string & { readonly __brand: 'ExtensionDomain' };

export interface ExtensionEndpoint {
  readonly kind: 'extension';
  readonly extension: Extension;
  /** Null: the domain of the node the leg is dialed on (`callback.extensionDomain`). */
  readonly domain: ExtensionDomain | null;
}

export type CallEndpoint = { readonly kind: 'number'; readonly number: E164 } | ExtensionEndpoint;

/** Digits only, as the directory users of a callback node are numbered. */
export const EXTENSION_PATTERN = /^\d{1,16}$/;
export const DOMAIN_PATTERN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/;

export function isExtension(value: string): value is Extension {
  return EXTENSION_PATTERN.test(value);
}

export function isExtensionDomain(value: string): value is ExtensionDomain {
  return DOMAIN_PATTERN.test(value);
}

/** `<extension>` or `<extension>@<domain>`, as an access number's target; null when either part is malformed. */
export function parseExtensionTarget(text: string): ExtensionEndpoint | null {
  const [extension = '', domain, ...extra] = text.split('@');
  if (extra.length > 0 || !isExtension(extension)) return null;
  if (domain === undefined) return { kind: 'extension', extension, domain: null };
  return isExtensionDomain(domain) ? { kind: 'extension', extension, domain } : null;
}

/** How a leg row (`legs.number`) names an extension: as the access number's target, never mistaken for a number (no `+`). */
export type ExtensionAddress = string & { readonly __brand: 'ExtensionAddress' };

export function extensionAddress(endpoint: Pick<ExtensionEndpoint, 'extension' | 'domain'>): ExtensionAddress {
  return (endpoint.domain === null ? endpoint.extension : `${endpoint.extension}@${endpoint.domain}`) as ExtensionAddress;
}
