import fc from 'fast-check';

/** Every character with a meaning in a dial string, an ESL command or a SQL statement. */
export const SYNTAX_CHARACTERS = [',', '|', '{', '}', '[', ']', '&', "'", '"', ' ', '\n', '\r', '\0', '\t', '$', ':', ';', '=', '\\', '/', '%', '`', '<', '>', '@', '#', '*'];

/** Dial-string and ESL injection attempts, as a subscriber could type them into a number or a name. */
export const DIAL_STRING_ATTACKS = [
  '+12025550101,user/1000',
  '+12025550101|sofia/gateway/evil/900',
  '{origination_caller_id_number=666}+12025550101',
  '+12025550101}sofia/gateway/evil/1{',
  '[leg_timeout=1]+12025550101',
  '+12025550101 &bridge(sofia/gateway/evil/1)',
  "+12025550101' &park() '",
  '+12025550101\napi uuid_kill all',
  '+12025550101\r\nbgapi originate user/1000 &park',
  '+12025550101\0api shutdown',
  '+12025550101:_:user/1000',
  '${sip_from_user}',
  '+1202555\t0101',
  'evil gateway',
];

/** SQL injection attempts: each must be stored as typed or refused, and never change a statement. */
export const SQL_ATTACKS = [
  "'; DROP TABLE accounts; --",
  "' OR '1'='1",
  '" OR ""="',
  "1; DELETE FROM callback_requests WHERE 1=1",
  "Robert'); DROP TABLE phone_book;--",
  "x' UNION SELECT password_hash FROM portal_users --",
  '\\\'; SELECT 1; --',
  "0x27 OR 1=1 /*",
  "%' OR 1=1 --",
];

/** Strings drawn mostly from syntax characters, so that the attacks are found without luck. */
export function syntaxHeavyString(maxLength = 24): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SYNTAX_CHARACTERS) },
    { weight: 3, arbitrary: fc.constantFrom(...'0123456789+'.split('')) },
    { weight: 1, arbitrary: fc.constantFrom(...'abcXYZ_-.üй'.split('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  );
  return fc.string({ unit, maxLength });
}

/** Arbitrary JSON values, objects weighted heavily since API bodies are objects. */
export function anyJson(): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
}
