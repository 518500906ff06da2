// GSM 03.38 default alphabet and its extension table (the extension characters cost two septets).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const GSM = new Set([...GSM_BASIC, ...GSM_EXTENDED]);

/**
 * Whether `text` can go out in the 7-bit default alphabet. Anything else must be sent as UCS-2
 * (coding 2 in Kannel), or the gateway replaces the characters it cannot represent with '?'.
 */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM.has(char)) return false;
  return true;
}
