import { z } from 'zod';
import { parseExtensionTarget } from '../domain/call-endpoint';
import { isE164, type E164 } from '../domain/phone-number';
import {
  Repository,
  bool,
  definedOnly,
  e164,
  fromJson,
  insertedId,
  int,
  oneOf,
  optInt,
  toJson,
  written,
  type DbBool,
  type DbInt,
  type EpochMs,
  type JsonObject,
} from './rows';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, e164Field, idField, jsonObjectField, parseInput } from './validation';

export const CALLBACK_METHODS = ['call_to_caller', 'call_to_number', 'call_extension'] as const;
export type CallbackMethod = (typeof CALLBACK_METHODS)[number];
export const AUTH_MODES = ['none', 'ani', 'pin', 'ani_pin', 'card'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** A DID that triggers a callback when called (T1); owned by an account for A3. */
export interface AccessNumber {
  id: number;
  did: E164;
  accountId: number | null;
  method: CallbackMethod;
  /** An E.164 number for call_to_number, an extension for call_extension, otherwise null. */
  targetNumber: string | null;
  authMode: AuthMode;
  /** O3 setting overrides for calls to this DID. */
  settings: JsonObject;
  active: boolean;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface AccessNumberRow {
  id: DbInt;
  did: string;
  account_id: DbInt | null;
  method: string;
  target_number: string | null;
  auth_mode: string;
  settings_json: string | null;
  active: DbBool;
  created_at: DbInt;
  updated_at: DbInt;
}

/** `target_number` is varchar(32). */
const TARGET_MAX = 32;

const accessNumberSchema = z
  .object({
    did: e164Field,
    accountId: idField.nullable().default(null),
    method: z.enum(CALLBACK_METHODS).default('call_to_caller'),
    targetNumber: z.string().nullable().default(null),
    authMode: z.enum(AUTH_MODES).default('ani'),
    settings: jsonObjectField.default({}),
    active: z.boolean().default(true),
  })
  .superRefine((value, context) => {
    const target = value.targetNumber;
    if (value.method === 'call_to_number' && (target === null || !isE164(target))) {
      context.addIssue({ code: 'custom', path: ['targetNumber'], message: 'call_to_number needs an E.164 target number' });
    }
    // The column's width (migration 001); a longer domain goes in callback.extensionDomain.
    if (value.method === 'call_extension' && (target === null || target.length > TARGET_MAX || parseExtensionTarget(target) === null)) {
      context.addIssue({
        code: 'custom',
        path: ['targetNumber'],
        message: `call_extension needs an extension of 1-16 digits, optionally @ a domain (host name or IPv4 address), ${TARGET_MAX} characters at most`,
      });
    }
  });

export type NewAccessNumber = z.input<typeof accessNumberSchema>;
export type AccessNumberPatch = Partial<Omit<NewAccessNumber, 'did'>>;

function toAccessNumber(row: AccessNumberRow): AccessNumber {
  return {
    id: int(row.id),
    did: e164(row.did),
    accountId: optInt(row.account_id),
    method: oneOf(CALLBACK_METHODS, row.method),
    targetNumber: row.target_number,
    authMode: oneOf(AUTH_MODES, row.auth_mode),
    settings: fromJson(row.settings_json),
    active: bool(row.active),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

function accessNumberColumns(value: z.output<typeof accessNumberSchema>) {
  return {
    did: value.did,
    account_id: value.accountId,
    method: value.method,
    target_number: value.method === 'call_to_caller' ? null : value.targetNumber,
    auth_mode: value.authMode,
    settings_json: toJson(value.settings),
    active: value.active,
  };
}

export class AccessNumbersRepository extends Repository {
  async create(input: NewAccessNumber): Promise<AccessNumber> {
    const columns = accessNumberColumns(parseInput(accessNumberSchema, input, 'access number'));
    const now = this.clock();
    try {
      const id = insertedId(
        await this.writing('access number', () => this.db('access_numbers').insert({ ...columns, created_at: now, updated_at: now })),
      );
      return written(await this.findById(id), `access number ${id}`);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`access number ${columns.did} already exists`);
      throw error;
    }
  }

  async findById(id: number): Promise<AccessNumber | null> {
    const row = await this.db<AccessNumberRow>('access_numbers').where({ id }).first();
    return row ? toAccessNumber(row) : null;
  }

  async findByDid(did: E164): Promise<AccessNumber | null> {
    const row = await this.db<AccessNumberRow>('access_numbers').where({ did }).first();
    return row ? toAccessNumber(row) : null;
  }

  async list(): Promise<AccessNumber[]> {
    return (await this.db<AccessNumberRow>('access_numbers').orderBy('did')).map(toAccessNumber);
  }

  /** The method and its target are checked together, so the change is validated on the merged result. */
  async update(id: number, patch: AccessNumberPatch): Promise<AccessNumber | null> {
    const current = await this.findById(id);
    if (!current) return null;
    const merged = { ...current, ...definedOnly(patch), did: current.did };
    const columns = accessNumberColumns(parseInput(accessNumberSchema, merged, 'access number change'));
    await this.writing('access number change', () =>
      this.db('access_numbers').where({ id }).update({ ...columns, updated_at: this.clock() }),
    );
    return this.findById(id);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db('access_numbers').where({ id }).delete()) > 0;
  }
}
