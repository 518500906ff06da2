import type { Knex } from 'knex';
import { moneyColumn } from '../../lib/store/schema';

/*
 * B3 for calling cards (A4): a card's money is held before a leg it pays is dialed, exactly as
 * an account's is. A reservation belongs to an account or to a card (one of the two), and the
 * card keeps the sum of its held reservations beside its balance so that one conditional UPDATE
 * decides whether a new hold fits.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calling_cards', (t) => {
    moneyColumn(t, 'reserved_minor');
  });
  await knex.schema.alterTable('reservations', (t) => {
    t.integer('account_id').unsigned().nullable().alter();
    t.integer('card_id').unsigned().nullable();
    t.foreign('card_id').references('calling_cards.id').onDelete('RESTRICT');
    // Leads with card_id: the card's foreign key and the lookups of a card's holds share it.
    t.index(['card_id', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Card holds cannot be expressed without card_id: they go (the cards' held sums with them).
  await knex('reservations').whereNotNull('card_id').delete();
  await knex.schema.alterTable('reservations', (t) => {
    t.dropForeign(['card_id']);
    t.dropIndex(['card_id', 'state']);
  });
  await knex.schema.alterTable('reservations', (t) => {
    t.dropColumn('card_id');
    t.integer('account_id').unsigned().notNullable().alter();
  });
  await knex.schema.alterTable('calling_cards', (t) => {
    t.dropColumn('reserved_minor');
  });
}
