import type { Knex } from 'knex';

/*
 * D5: a received fax is kept whatever its outcome, so the account sees a failed one too (what
 * spandsp said, and the pages it got), and it may have a PDF next to the TIFF when a converter
 * is installed on the controller's host.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('faxes', (t) => {
    t.string('status', 16).notNullable().defaultTo('received'); // received | failed
    t.integer('result_code'); // spandsp's T.30 completion code (fax_result_code)
    t.string('result_text', 128);
    t.string('pdf_path', 1024);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('faxes', (t) => {
    t.dropColumn('pdf_path');
    t.dropColumn('result_text');
    t.dropColumn('result_code');
    t.dropColumn('status');
  });
}
