import { z } from 'zod';
import { Repository, definedOnly, insertedId, int, oneOf, optInt, written, type DbInt, type EpochMs } from './rows';
import { isUniqueViolation } from './sql-errors';
import { idField, parseInput } from './validation';

export const SMS_DIRECTIONS = ['in', 'out'] as const;
export type SmsDirection = (typeof SMS_DIRECTIONS)[number];

/** An SMS received from a gateway (T2) or a reply queued for one. */
export interface SmsMessage {
  id: number;
  direction: SmsDirection;
  gateway: string;
  gatewayMessageId: string | null;
  from: string;
  to: string;
  /** As stored, listed and logged: a secret in it (a verification code) is masked. */
  text: string;
  /** What the gateway gets when it differs from `text` (the secret unmasked); null once the message is sent or given up. */
  textToSend: string | null;
  accountId: number | null;
  /** e.g. received, processed, rejected / queued, sent, failed: the SMS module's vocabulary. */
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface SmsRow {
  id: DbInt;
  direction: string;
  gateway: string;
  gateway_message_id: string | null;
  from_number: string;
  to_number: string;
  text: string;
  text_to_send: string | null;
  account_id: DbInt | null;
  status: string;
  attempts: DbInt;
  last_error: string | null;
  created_at: DbInt;
  updated_at: DbInt;
}

// Senders may be alphanumeric ("MyBank"), so addresses are not forced to E.164 here.
const address = z.string().trim().min(1).max(32);
const status = z.string().min(1).max(16);

const messageSchema = z.object({
  gateway: z.string().min(1).max(64),
  gatewayMessageId: z.string().min(1).max(128).nullable().default(null),
  from: address,
  to: address,
  text: z.string().max(2000),
  accountId: idField.nullable().default(null),
});
const inboundSchema = messageSchema.extend({ status: status.default('received') });
const outboundSchema = messageSchema
  .omit({ gatewayMessageId: true })
  .extend({ status: status.default('queued'), textToSend: z.string().max(2000).nullable().default(null) });
export type NewInboundSms = z.input<typeof inboundSchema>;
export type NewOutboundSms = z.input<typeof outboundSchema>;

const smsPatchSchema = z.object({
  status: status.optional(),
  gatewayMessageId: z.string().min(1).max(128).optional(),
  accountId: idField.nullable().optional(),
  lastError: z.string().max(255).nullable().optional(),
  incrementAttempts: z.boolean().optional(),
  /** Only ever forgotten, once the message is sent or given up. */
  textToSend: z.null().optional(),
});
export type SmsPatch = z.input<typeof smsPatchSchema>;

function toSms(row: SmsRow): SmsMessage {
  return {
    id: int(row.id),
    direction: oneOf(SMS_DIRECTIONS, row.direction),
    gateway: row.gateway,
    gatewayMessageId: row.gateway_message_id,
    from: row.from_number,
    to: row.to_number,
    text: row.text,
    textToSend: row.text_to_send,
    accountId: optInt(row.account_id),
    status: row.status,
    attempts: int(row.attempts),
    lastError: row.last_error,
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class SmsMessagesRepository extends Repository {
  /**
   * Stores an inbound message once: a gateway re-posting the same (gateway, message id) gets the
   * first copy back with created = false, so a command is never executed twice.
   */
  async recordInbound(input: NewInboundSms): Promise<{ message: SmsMessage; created: boolean }> {
    const sms = parseInput(inboundSchema, input, 'inbound SMS');
    try {
      const id = await this.insert('in', sms);
      return { message: written(await this.findById(id), `SMS ${id}`), created: true };
    } catch (error) {
      if (!isUniqueViolation(error) || sms.gatewayMessageId === null) throw error;
      const row = await this.db<SmsRow>('sms_messages')
        .where({ gateway: sms.gateway, gateway_message_id: sms.gatewayMessageId })
        .first();
      return { message: toSms(written(row, 'duplicate SMS')), created: false };
    }
  }

  async queueOutbound(input: NewOutboundSms): Promise<SmsMessage> {
    const sms = parseInput(outboundSchema, input, 'outbound SMS');
    const id = await this.insert('out', { ...sms, gatewayMessageId: null }, sms.textToSend);
    return written(await this.findById(id), `SMS ${id}`);
  }

  async findById(id: number): Promise<SmsMessage | null> {
    const row = await this.db<SmsRow>('sms_messages').where({ id }).first();
    return row ? toSms(row) : null;
  }

  async update(id: number, patch: SmsPatch): Promise<boolean> {
    const value = parseInput(smsPatchSchema, patch, 'SMS change');
    const changed = await this.db('sms_messages')
      .where({ id })
      .update({
        ...definedOnly({
          status: value.status,
          gateway_message_id: value.gatewayMessageId,
          account_id: value.accountId,
          last_error: value.lastError,
          text_to_send: value.textToSend,
          attempts: value.incrementAttempts ? this.db.raw('attempts + 1') : undefined,
        }),
        updated_at: this.clock(),
      });
    return changed > 0;
  }

  /**
   * Compare-and-set: moves the message to `to` and counts one more attempt, only if it is still
   * in the status and at the attempt count it was read with. Of several instances (or a timer and
   * a sweep) looking at the same message, exactly one wins each attempt, so a reply is sent and a
   * command carried out once per attempt, even when a stale message is taken up again.
   */
  async claim(message: Pick<SmsMessage, 'id' | 'status' | 'attempts'>, to: string): Promise<boolean> {
    const next = parseInput(status, to, 'SMS status');
    const changed = await this.db('sms_messages')
      .where({ id: message.id, status: message.status, attempts: message.attempts })
      .update({ status: next, attempts: this.db.raw('attempts + 1'), updated_at: this.clock() });
    return changed > 0;
  }

  /** Oldest first, last touched before `before`: messages a crashed process left half-handled. */
  async listStale(direction: SmsDirection, statuses: readonly string[], before: number, limit = 100): Promise<SmsMessage[]> {
    return (
      await this.db<SmsRow>('sms_messages').where({ direction }).whereIn('status', statuses).where('updated_at', '<', before).orderBy('id').limit(limit)
    ).map(toSms);
  }

  /** Oldest first: e.g. outbound messages still 'queued' for the sender to (re)try. */
  async listByStatus(direction: SmsDirection, status: string, limit = 100): Promise<SmsMessage[]> {
    return (await this.db<SmsRow>('sms_messages').where({ direction, status }).orderBy('id').limit(limit)).map(toSms);
  }

  /** Newest first. */
  async listForAccount(accountId: number, limit = 100): Promise<SmsMessage[]> {
    return (await this.db<SmsRow>('sms_messages').where({ account_id: accountId }).orderBy('id', 'desc').limit(limit)).map(toSms);
  }

  private async insert(direction: SmsDirection, sms: z.output<typeof inboundSchema>, textToSend: string | null = null): Promise<number> {
    const now = this.clock();
    return insertedId(
      await this.writing('SMS', () =>
        this.db('sms_messages').insert({
          direction,
          gateway: sms.gateway,
          gateway_message_id: sms.gatewayMessageId,
          from_number: sms.from,
          to_number: sms.to,
          text: sms.text,
          text_to_send: textToSend,
          account_id: sms.accountId,
          status: sms.status,
          attempts: 0,
          created_at: now,
          updated_at: now,
        }),
      ),
    );
  }
}
