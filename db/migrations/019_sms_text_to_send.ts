import type { Knex } from 'knex';

/*
 * #15 leftovers: an SMS holding a secret (a caller-ID verification code) is stored, listed and
 * logged with the secret masked in `text`; the text the gateway must get is kept apart in
 * `text_to_send` only until the message is sent or given up, so a message still unsent when the
 * process stops can be sent after a restart, and the table holds no live code once it has gone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_messages', (t) => {
    t.text('text_to_send');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_messages', (t) => {
    t.dropColumn('text_to_send');
  });
}
