import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { isE164, type E164 } from '../domain/phone-number';
import {
  Repository,
  definedOnly,
  e164,
  fromJson,
  int,
  oneOf,
  optE164,
  optInt,
  toJson,
  type DbInt,
  type EpochMs,
  type JsonObject,
} from './rows';
import { columnsOf, preparedRaw, preparedRows, preparedUpdate } from './prepared-statement';
import { absentOr, absentOrNull, isId, isJsonObject, isPlain, isPlainRecord, isText, isWhole, isWholeFrom, NOT_PLAIN, orDefault, orNull } from './plain-input';
import { isUniqueViolation } from './sql-errors';
import { e164Field, epochMsField, idField, jsonObjectField, parseInput, stateField } from './validation';

export const TRIGGERS = ['web', 'api', 'sms', 'access', 'schedule', 'cli', 'redial'] as const;
export type CallbackTrigger = (typeof TRIGGERS)[number];
export const MODES = ['source_first', 'simultaneous'] as const;
export type CallbackMode = (typeof MODES)[number];

/** The state a new request starts in, and the states claimDue looks at unless told otherwise. */
export const INITIAL_STATE = 'queued';
export const DUE_STATES: readonly string[] = [INITIAL_STATE];

export interface CallbackRequest {
  id: string;
  accountId: number;
  trigger: CallbackTrigger;
  source: E164;
  /** null: leg A is asked for the destination (two-stage dialing). */
  destination: E164 | null;
  mode: CallbackMode;
  dueAt: EpochMs;
  attempts: number;
  maxAttempts: number;
  /** Defined by the callback engine; the store only compares and sets it. */
  state: string;
  stateChangedAt: EpochMs;
  lastCause: string | null;
  idempotencyKey: string | null;
  callerIdPolicy: string | null;
  statusWebhookUrl: string | null;
  /** Engine context that needs no column of its own. */
  data: JsonObject;
  /** The instance working on the request (O5), valid until leaseUntil. */
  claimedBy: string | null;
  leaseUntil: EpochMs | null;
  /** Bumped by every claim and transition, for compare-and-set by callers that hold a copy. */
  version: number;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface RequestRow {
  id: string;
  account_id: DbInt;
  trigger: string;
  source: string;
  destination: string | null;
  mode: string;
  due_at: DbInt;
  attempts: DbInt;
  max_attempts: DbInt;
  state: string;
  state_changed_at: DbInt;
  last_cause: string | null;
  idempotency_key: string | null;
  caller_id_policy: string | null;
  status_webhook_url: string | null;
  data_json: string | null;
  claimed_by: string | null;
  claim_token: string | null;
  lease_until: DbInt | null;
  version: DbInt;
  created_at: DbInt;
  updated_at: DbInt;
}

const webhookField = z.url({ protocol: /^https?$/ }).max(1024);

const newRequestSchema = z
  .object({
    id: z.uuid().optional(),
    accountId: idField,
    trigger: z.enum(TRIGGERS),
    source: e164Field,
    destination: e164Field.nullable().default(null),
    mode: z.enum(MODES).default('source_first'),
    /** Defaults to now. */
    dueAt: epochMsField.optional(),
    maxAttempts: z.number().int().min(1).max(100).default(3),
    state: z.string().min(1).max(32).default(INITIAL_STATE),
    idempotencyKey: z.string().min(1).max(128).nullable().default(null),
    callerIdPolicy: z.string().min(1).max(32).nullable().default(null),
    statusWebhookUrl: webhookField.nullable().default(null),
    data: jsonObjectField.default({}),
    /**
     * Inserted already claimed for dialing by `instanceId` (an order due now that its own process
     * dials): the row the scheduler's claim would leave, in `state` (its first active state), its
     * first attempt counted, leased until `leaseUntil`, so that no claim UPDATE follows the insert.
     */
    claimedFor: z.object({ instanceId: z.string().min(1).max(128), leaseUntil: epochMsField }).optional(),
  })
  .refine((request) => request.claimedFor === undefined || !DUE_STATES.includes(request.state), {
    message: 'a request inserted claimed for dialing must be in its first active state, not a waiting one',
    path: ['state'],
  });
export type NewCallbackRequest = z.input<typeof newRequestSchema>;

const patchSchema = z.object({
  dueAt: epochMsField.optional(),
  attempts: z.number().int().nonnegative().optional(),
  /** Adds one to attempts in the same statement, whatever the caller's copy says. */
  incrementAttempts: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  lastCause: z.string().max(64).nullable().optional(),
  destination: e164Field.nullable().optional(),
  callerIdPolicy: z.string().min(1).max(32).nullable().optional(),
  data: jsonObjectField.optional(),
  /** Gives the request up, so any instance may claim it again (e.g. when it goes back to waiting). */
  release: z.boolean().optional(),
});
export type CallbackRequestPatch = z.input<typeof patchSchema>;

// The fields the plain check knows, listed, not taken from the schema: a field added to the schema goes to zod until the check learns it.
const PATCH_KEYS = new Set(['dueAt', 'attempts', 'incrementAttempts', 'maxAttempts', 'lastCause', 'destination', 'callerIdPolicy', 'data', 'release']);
const isFlag = (value: unknown): value is boolean => typeof value === 'boolean';
const isMaxAttempts = (value: unknown): value is number => isWholeFrom(value, 1) && value <= 100;
const isLastCause = (value: unknown): value is string => isText(value, 0, 64);
const isCallerIdPolicy = (value: unknown): value is string => isText(value, 1, 32);
const isNumber = (value: unknown): value is E164 => typeof value === 'string' && isE164(value);

/** patchSchema's answer for a move's patch whose fields are all plainly valid, without zod (plain-input.ts): the patch itself. */
function plainRequestPatch(input: unknown): z.output<typeof patchSchema> | undefined {
  if (!isPlainRecord(input, PATCH_KEYS)) return undefined;
  const fields = [
    absentOr(input.dueAt, isWhole),
    absentOr(input.attempts, isWhole),
    absentOr(input.incrementAttempts, isFlag),
    absentOr(input.maxAttempts, isMaxAttempts),
    absentOrNull(input.lastCause, isLastCause),
    absentOrNull(input.destination, isNumber),
    absentOrNull(input.callerIdPolicy, isCallerIdPolicy),
    absentOr(input.data, isJsonObject),
    absentOr(input.release, isFlag),
  ];
  return fields.every(isPlain) ? (input as z.output<typeof patchSchema>) : undefined;
}

/** stateField's answer without zod. */
const plainState = (input: unknown): string | undefined => (isText(input, 1, 32) ? input : undefined);

// As the patch's: listed, so that a field added to the schema goes to zod until the check learns it.
const NEW_REQUEST_KEYS = new Set([
  'id',
  'accountId',
  'trigger',
  'source',
  'destination',
  'mode',
  'dueAt',
  'maxAttempts',
  'state',
  'idempotencyKey',
  'callerIdPolicy',
  'statusWebhookUrl',
  'data',
  'claimedFor',
]);
const CLAIM_KEYS = new Set(['instanceId', 'leaseUntil']);
const UUID = z.regexes.uuid();
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const isTrigger = (value: unknown): value is CallbackTrigger => TRIGGERS.some((trigger) => trigger === value);
const isMode = (value: unknown): value is CallbackMode => MODES.some((mode) => mode === value);
const isState = (value: unknown): value is string => isText(value, 1, 32);
const isIdempotencyKey = (value: unknown): value is string => isText(value, 1, 128);
const isClaim = (value: unknown): value is { instanceId: string; leaseUntil: number } =>
  isPlainRecord(value, CLAIM_KEYS) && isText(value.instanceId, 1, 128) && isWhole(value.leaseUntil);

/**
 * newRequestSchema's answer for an order whose fields are all plainly valid, without zod
 * (plain-input.ts): the order with its defaults. Orders come at the service's offered rate, one
 * insert each; a webhook URL, or a claimed order in a waiting state, goes to zod.
 */
function plainNewRequest(input: unknown): z.output<typeof newRequestSchema> | undefined {
  if (!isPlainRecord(input, NEW_REQUEST_KEYS)) return undefined;
  const { accountId, trigger, source } = input;
  const id = absentOr(input.id, isUuid);
  const destination = orNull(input.destination, isNumber);
  const mode = orDefault(input.mode, 'source_first', isMode);
  const dueAt = absentOr(input.dueAt, isWhole);
  const maxAttempts = orDefault(input.maxAttempts, 3, isMaxAttempts);
  const state = orDefault(input.state, INITIAL_STATE, isState);
  const idempotencyKey = orNull(input.idempotencyKey, isIdempotencyKey);
  const callerIdPolicy = orNull(input.callerIdPolicy, isCallerIdPolicy);
  // A webhook's URL is zod's to check: the plain check takes only its absence.
  const statusWebhookUrl = input.statusWebhookUrl === undefined || input.statusWebhookUrl === null ? null : NOT_PLAIN;
  const data = input.data === undefined ? {} : isJsonObject(input.data) ? input.data : NOT_PLAIN;
  const claimedFor = absentOr(input.claimedFor, isClaim);
  if (!isId(accountId) || !isTrigger(trigger) || !isNumber(source)) return undefined;
  if (!isPlain(id) || !isPlain(destination) || !isPlain(mode) || !isPlain(dueAt) || !isPlain(maxAttempts) || !isPlain(state)) return undefined;
  if (!isPlain(idempotencyKey) || !isPlain(callerIdPolicy) || !isPlain(statusWebhookUrl) || !isPlain(data) || !isPlain(claimedFor)) return undefined;
  // The schema's refine.
  if (claimedFor !== undefined && DUE_STATES.includes(state)) return undefined;
  return {
    ...(id === undefined ? {} : { id }),
    accountId,
    trigger,
    source,
    destination,
    mode,
    ...(dueAt === undefined ? {} : { dueAt }),
    maxAttempts,
    state,
    idempotencyKey,
    callerIdPolicy,
    statusWebhookUrl,
    data,
    ...(claimedFor === undefined ? {} : { claimedFor }),
  };
}

/** The hot writes' schemas with their plain checks, for the test that compares them (spec/store/plain-input.test.ts). */
export const REQUEST_INPUT_CHECKS = [
  { what: 'request change', schema: patchSchema, plain: plainRequestPatch },
  { what: 'request', schema: newRequestSchema, plain: plainNewRequest },
] as const;

const claimSchema = z.object({
  instanceId: z.string().min(1).max(128),
  leaseMs: z.number().int().positive(),
  limit: z.number().int().positive(),
});

export interface TransitionOptions {
  /** Also require this version, for callers that must not act on a stale copy. */
  expectedVersion?: number;
}

export interface ListRequestsOptions {
  accountId?: number;
  states?: readonly string[];
  limit?: number;
  offset?: number;
}

function toRequest(row: RequestRow): CallbackRequest {
  return {
    id: row.id,
    accountId: int(row.account_id),
    trigger: oneOf(TRIGGERS, row.trigger),
    source: e164(row.source),
    destination: optE164(row.destination),
    mode: oneOf(MODES, row.mode),
    dueAt: int(row.due_at),
    attempts: int(row.attempts),
    maxAttempts: int(row.max_attempts),
    state: row.state,
    stateChangedAt: int(row.state_changed_at),
    lastCause: row.last_cause,
    idempotencyKey: row.idempotency_key,
    callerIdPolicy: row.caller_id_policy,
    statusWebhookUrl: row.status_webhook_url,
    data: fromJson(row.data_json),
    claimedBy: row.claimed_by,
    leaseUntil: optInt(row.lease_until),
    version: int(row.version),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

/** A new request's row, made by `plan` and not written yet. */
export interface PlannedRequest {
  readonly request: CallbackRequest;
  readonly row: RequestRow;
}

/**
 * When racing instances take a round's candidates first, claimDue looks again, at most this many
 * times in all, before leaving the rest to its next sweep.
 */
const CLAIM_ROUNDS = 3;

export class CallbackRequestsRepository extends Repository {
  /**
   * Stores a new request. With an idempotency key already used by the account, nothing is written
   * and the earlier request is returned with created = false (a retried API call, a duplicate SMS):
   * a `claimedFor` is then not applied, so only the call that wrote the row may dial it.
   */
  async create(input: NewCallbackRequest): Promise<{ request: CallbackRequest; created: boolean }> {
    // Invalid input rejects, as every write's does (plan throws).
    return this.write(this.plan(input));
  }

  /** `create` of a planned row. */
  async write(planned: PlannedRequest): Promise<{ request: CallbackRequest; created: boolean }> {
    const earlier = await this.earlierWithKey(planned);
    if (earlier) return { request: earlier, created: false };
    try {
      await this.insertPlanned(planned);
    } catch (error) {
      // Lost a race with the same key (or the same explicit id): the winner's row is the request.
      return { request: await this.lostTo(planned, error), created: false };
    }
    return { request: planned.request, created: true };
  }

  /**
   * A new request's row as `create` writes it, not written yet: `insertPlanned` writes it, alone or
   * with the writes of a transaction it is given (issue #20: an order due now is written in its
   * first holds' transaction, lib/callback/engine/README.md). The request is the row as written.
   */
  plan(input: NewCallbackRequest): PlannedRequest {
    // Every order: plain checks first (plain-input.ts), zod for anything else.
    const value = parseInput(newRequestSchema, input, 'callback request', plainNewRequest);
    const now = this.clock();
    const claim = value.claimedFor;
    const row: RequestRow = {
      id: value.id ?? randomUUID(),
      account_id: value.accountId,
      trigger: value.trigger,
      source: value.source,
      destination: value.destination,
      mode: value.mode,
      due_at: value.dueAt ?? now,
      attempts: claim ? 1 : 0,
      max_attempts: value.maxAttempts,
      state: value.state,
      state_changed_at: now,
      last_cause: null,
      idempotency_key: value.idempotencyKey,
      caller_id_policy: value.callerIdPolicy,
      status_webhook_url: value.statusWebhookUrl,
      data_json: toJson(value.data),
      claimed_by: claim?.instanceId ?? null,
      claim_token: claim ? randomUUID() : null,
      lease_until: claim?.leaseUntil ?? null,
      // As if inserted queued and then claimed (the claim bumps it).
      version: claim ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    // Every column is what will be written: no read back (one statement less per order).
    return { request: toRequest(row), row };
  }

  /** The account's request with the planned row's idempotency key, if one was stored already (nothing to write then). */
  earlierWithKey(planned: PlannedRequest): Promise<CallbackRequest | null> {
    const { accountId, idempotencyKey } = planned.request;
    return idempotencyKey === null ? Promise.resolve(null) : this.findByIdempotencyKey(accountId, idempotencyKey);
  }

  /**
   * Writes a planned row. A used idempotency key (or id) is a unique violation, thrown: outside a
   * transaction `create` answers the winner (`lostTo`); inside one, the caller's unit fails
   * with it and writes nothing. In a pipelined unit it goes in the next packet, answered at once.
   */
  async insertPlanned(planned: PlannedRequest): Promise<void> {
    await this.writing('callback request', () =>
      preparedRaw(this.db, 'callback_requests.insert', { row: columnsOf(planned.row) }, (db, values) => db('callback_requests').insert(values.row), 1),
    );
  }

  /**
   * The row a planned one lost to (its idempotency key's, or its id's) when `error` is the unique
   * violation its write failed with; any other failure, or no such row, is thrown again.
   */
  async lostTo(planned: PlannedRequest, error: unknown): Promise<CallbackRequest> {
    const { id, accountId, idempotencyKey } = planned.request;
    const winner = !isUniqueViolation(error) ? null : idempotencyKey === null ? await this.findById(id) : await this.findByIdempotencyKey(accountId, idempotencyKey);
    if (!winner) throw error;
    return winner;
  }

  async findById(id: string): Promise<CallbackRequest | null> {
    // The id is the key: no limit, whose binding would be knex's, not ours.
    const [row] = await preparedRows<RequestRow, { where: { id: string } }>(this.db, 'callback_requests.byId', { where: { id } }, (db, values) =>
      db('callback_requests').where(values.where),
    );
    return row ? toRequest(row) : null;
  }

  /** The rows of those of `ids` that exist, in no particular order (a batch of fired jobs: one read). */
  async findManyById(ids: readonly string[]): Promise<CallbackRequest[]> {
    if (ids.length === 0) return [];
    return (await this.db<RequestRow>('callback_requests').whereIn('id', [...ids])).map(toRequest);
  }

  async findByIdempotencyKey(accountId: number, idempotencyKey: string): Promise<CallbackRequest | null> {
    const row = await this.db<RequestRow>('callback_requests').where({ account_id: accountId, idempotency_key: idempotencyKey }).first();
    return row ? toRequest(row) : null;
  }

  /** Newest first. */
  async list(options: ListRequestsOptions = {}): Promise<CallbackRequest[]> {
    const query = this.db<RequestRow>('callback_requests')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 100)
      .offset(options.offset ?? 0);
    if (options.accountId !== undefined) query.where({ account_id: options.accountId });
    if (options.states) query.whereIn('state', [...options.states]);
    return (await query).map(toRequest);
  }

  /**
   * How many of the account's requests are in `states` (A5: maximum concurrent callbacks). With
   * `dialed`, only those whose current attempt has a leg row, i.e. that have begun dialing: a
   * request claimed but still being checked is left out, so it cannot make another one look over
   * the limit while it is itself refused for it.
   */
  async countInStates(accountId: number, states: readonly string[], options: { dialed?: boolean } = {}): Promise<number> {
    const dialed = options.dialed ?? false;
    const [row] = await preparedRows<{ n: DbInt }, { where: InStates }>(this.db, `callback_requests.count${dialed ? 'Dialed' : ''}`, { where: inStates(accountId, states) }, (db, values) =>
      whereInStates(db, values.where, dialed).count({ n: '*' }),
    );
    return row ? int(row.n) : 0;
  }

  /**
   * Whether the account has at least `atLeast` requests in `states` (see countInStates for
   * `dialed`). A5 asks only that: the read stops at the `atLeast`-th row (an OFFSET), so an
   * account at its limit is not read in full on every admission (issue #20).
   */
  async hasInStates(accountId: number, states: readonly string[], atLeast: number, options: { dialed?: boolean } = {}): Promise<boolean> {
    if (atLeast <= 0) return true;
    const dialed = options.dialed ?? false;
    // Every admission (A5): built by knex once per shape.
    const rows = await preparedRows<unknown, { where: InStates; skip: { rows: number } }>(
      this.db,
      `callback_requests.has${dialed ? 'Dialed' : ''}`,
      { where: inStates(accountId, states), skip: { rows: atLeast - 1 } },
      // The one row after `atLeast - 1` of them. knex binds an OFFSET given as raw SQL (not a
      // LIMIT, which it takes as a number only); its types know only the number.
      (db, values) =>
        whereInStates(db, values.where, dialed)
          .select(db.raw('1'))
          .limit(1, { skipBinding: true })
          .offset(db.raw('?', [values.skip.rows]) as unknown as number),
    );
    return rows.length > 0;
  }

  /**
   * A5 rate limits: requests of `trigger` created at or after `since`, for one source number
   * and/or one account (both filters optional).
   */
  async countCreatedSince(query: { trigger: CallbackTrigger; source?: string; accountId?: number; since: EpochMs }): Promise<number> {
    const builder = this.db('callback_requests').where({ trigger: query.trigger }).andWhere('created_at', '>=', query.since);
    if (query.source !== undefined) builder.andWhere({ source: query.source });
    if (query.accountId !== undefined) builder.andWhere({ account_id: query.accountId });
    const [row] = await builder.count<{ n: DbInt }[]>({ n: '*' });
    return row ? int(row.n) : 0;
  }

  /** When the scheduler should next look (earliest due_at among unclaimed waiting requests), or null. */
  async nextDueAt(now: EpochMs, states: readonly string[] = DUE_STATES): Promise<EpochMs | null> {
    const [row] = await this.db('callback_requests')
      .whereIn('state', [...states])
      .where((q) => q.whereNull('claimed_by').orWhere('lease_until', '<', now))
      .min<{ next: DbInt | null }[]>({ next: 'due_at' });
    return optInt(row?.next);
  }

  /**
   * Claims up to `limit` requests that are due (due_at <= now, state in `states`) and unowned or
   * whose owner's lease has run out, for `instanceId` until now + leaseMs. Each row is taken by one
   * conditional UPDATE that re-checks ownership, so of several instances racing for the same row
   * exactly one gets it; a per-claim token then reads back precisely the rows this call took.
   */
  async claimDue(
    now: EpochMs,
    instanceId: string,
    leaseMs: number,
    limit: number,
    states: readonly string[] = DUE_STATES,
  ): Promise<CallbackRequest[]> {
    parseInput(claimSchema, { instanceId, leaseMs, limit }, 'claim');
    const token = randomUUID();
    const claimable = (query: Knex.QueryBuilder) => {
      query
        .whereIn('state', [...states])
        .where('due_at', '<=', now)
        .where((q) => q.whereNull('claimed_by').orWhere('lease_until', '<', now));
    };
    let claimed = 0;
    for (let round = 0; round < CLAIM_ROUNDS && claimed < limit; round += 1) {
      const candidates: Pick<RequestRow, 'id'>[] = await this.db<RequestRow>('callback_requests')
        .select('id')
        .modify(claimable)
        .orderBy('due_at')
        .limit(limit - claimed);
      if (candidates.length === 0) break;
      const ids = candidates.map((row) => row.id);
      const lease = { claimed_by: instanceId, claim_token: token, lease_until: now + leaseMs };
      claimed += await this.retrying(() =>
        this.db('callback_requests')
          .whereIn('id', ids)
          .modify(claimable)
          .update({ ...lease, version: this.db.raw('version + 1'), updated_at: now }),
      );
    }
    if (claimed === 0) return [];
    return (await this.db<RequestRow>('callback_requests').where({ claim_token: token }).orderBy('due_at')).map(toRequest);
  }

  /** Extends the lease of a request this instance still owns; false when it lost it. */
  async renewLease(id: string, instanceId: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const changed = await this.db('callback_requests')
      .where({ id, claimed_by: instanceId })
      .andWhere('lease_until', '>=', now)
      .update({ lease_until: now + leaseMs, updated_at: now });
    return changed > 0;
  }

  /**
   * A clean stop hands a request in progress over: its lease ends now, so the next sweep on any
   * instance (a restarted one sweeps at start) recovers it at once instead of after the lease, and
   * `lastCause` tells that recovery it was handed over rather than lost. Only our own claim.
   */
  async handOver(id: string, instanceId: string, now: EpochMs, lastCause: string): Promise<boolean> {
    const changed = await this.db('callback_requests')
      .where({ id, claimed_by: instanceId })
      .update({ lease_until: now, last_cause: lastCause, version: this.db.raw('version + 1'), updated_at: now });
    return changed > 0;
  }

  async releaseClaim(id: string, instanceId: string): Promise<boolean> {
    const changed = await this.db('callback_requests')
      .where({ id, claimed_by: instanceId })
      .update({ claimed_by: null, claim_token: null, lease_until: null, version: this.db.raw('version + 1'), updated_at: this.clock() });
    return changed > 0;
  }

  /**
   * Moves the request from one of `from` to `to` with `patch`, only if it is still in one of
   * `from` (and at `expectedVersion`, when given). Returns whether it applied: false means another
   * actor moved it first, and the caller must re-read instead of acting.
   */
  async transition(
    id: string,
    from: string | readonly string[],
    to: string,
    patch: CallbackRequestPatch = {},
    options: TransitionOptions = {},
  ): Promise<boolean> {
    // A move of every request, a few per callback: plain checks first (plain-input.ts), zod for anything else.
    const value = parseInput(patchSchema, patch, 'callback request change', plainRequestPatch);
    const target = parseInput(stateField, to, 'state', plainState);
    const now = this.clock();
    const set = {
      ...definedOnly({
        due_at: value.dueAt,
        attempts: value.incrementAttempts ? undefined : value.attempts,
        max_attempts: value.maxAttempts,
        last_cause: value.lastCause,
        destination: value.destination,
        caller_id_policy: value.callerIdPolicy,
        data_json: value.data === undefined ? undefined : toJson(value.data),
      }),
      ...(value.release ? { claimed_by: null, claim_token: null, lease_until: null } : {}),
      state: target,
      state_changed_at: now,
      updated_at: now,
    };
    const where = {
      id,
      state: typeof from === 'string' ? [from] : [...from],
      ...(options.expectedVersion === undefined ? {} : { version: options.expectedVersion }),
    };
    // Every move of every request: built by knex once per shape (columns set, states compared).
    const statement = value.incrementAttempts ? 'callback_requests.transition+attempt' : 'callback_requests.transition';
    const changed = await preparedUpdate(this.db, statement, { set, where }, (db, values) => {
      const { state, ...equal } = values.where;
      return db('callback_requests')
        .where(equal)
        .whereIn('state', Array.isArray(state) ? state : [state])
        .update({ ...values.set, ...(value.incrementAttempts ? { attempts: db.raw('attempts + 1') } : {}), version: db.raw('version + 1') });
    }, 1);
    return changed > 0;
  }
}

type InStates = {
  readonly account_id: number;
  readonly state: readonly string[];
};

function inStates(accountId: number, states: readonly string[]): InStates {
  return { account_id: accountId, state: [...states] };
}

/** An account's requests in some states; `dialed`: only those whose current attempt has a leg row. */
function whereInStates(db: Knex, where: InStates, dialed: boolean): Knex.QueryBuilder {
  const query = db('callback_requests').where('account_id', where.account_id).whereIn('state', [...where.state]);
  if (dialed) {
    // A count, not EXISTS: MariaDB turns an EXISTS into a semi-join, and from stale statistics
    // (a legs_request_id_index cardinality of 304 rows per request) chose to materialize it: the
    // whole legs table read into a temporary table on every admission (700 rows per callback at
    // 2,000 legs, bench/sql-breakdown.ts, 2026-12-08). A scalar subquery with an aggregate is never
    // a semi-join, so each candidate request costs one look-up in legs by its request_id.
    query.whereRaw('(select count(*) from legs where legs.request_id = callback_requests.id and legs.attempt = callback_requests.attempts) > 0');
  }
  return query;
}
