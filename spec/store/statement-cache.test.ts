import { cachePreparedStatements } from '../../lib/store/statement-cache';

/** A connection that counts what it really prepared. */
function countingConnection() {
  const prepared: string[] = [];
  const connection = {
    prepare(sql: string): { sql: string; serial: number } {
      prepared.push(sql);
      return { sql, serial: prepared.length };
    },
  };
  return { connection, prepared };
}

describe('prepared statements cached per connection', () => {
  it('prepares each SQL once and answers the same statement for it again', () => {
    const { connection, prepared } = countingConnection();
    cachePreparedStatements(connection, 10);
    const first = connection.prepare('select 1');
    expect(connection.prepare('select 1')).toBe(first);
    expect(connection.prepare('select 2')).not.toBe(first);
    expect(prepared).toEqual(['select 1', 'select 2']);
  });

  it('keeps the most recently used statements up to its limit and prepares a forgotten one again', () => {
    const { connection, prepared } = countingConnection();
    cachePreparedStatements(connection, 2);
    connection.prepare('a');
    connection.prepare('b');
    connection.prepare('a'); // a used last: b is the least recently used
    connection.prepare('c'); // over the limit: b goes
    connection.prepare('a');
    connection.prepare('c');
    expect(prepared).toEqual(['a', 'b', 'c']);
    connection.prepare('b');
    expect(prepared).toEqual(['a', 'b', 'c', 'b']);
  });
});
