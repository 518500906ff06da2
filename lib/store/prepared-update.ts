import type { Knex } from 'knex';
import { isMysql } from './schema';

type Scalar = string | number | null;

/** The values of one UPDATE: the columns it sets, and those its WHERE compares (a list: IN). */
export interface UpdateValues {
  readonly set: Readonly<Record<string, Scalar>>;
  readonly where: Readonly<Record<string, Scalar | readonly Scalar[]>>;
}

/** Builds the UPDATE from stand-ins of its values; each stand-in must be used where its value goes. */
export type UpdateBuilder = (db: Knex, values: UpdateValues) => Knex.QueryBuilder;

interface Shape {
  readonly sql: string;
  /** Where each binding comes from: ['set' | 'where', column, index in a list]. */
  readonly order: ReadonlyArray<readonly ['set' | 'where', string, number]>;
}

const shapes = new Map<string, Shape>();
const STAND_IN = '\u0000prepared:';

/**
 * An UPDATE on the call's hot path, built by knex once per shape (statement, dialect, the columns
 * it sets and compares, the length of each list) and then sent as SQL with new bindings: building
 * and compiling a query with knex each time was a large part of a callback's CPU (issue #20). The
 * order of the bindings is learnt from stand-ins the builder is given for the values, so the SQL
 * and its bindings are always knex's own. Returns how many rows changed.
 */
export async function preparedUpdate(db: Knex, statement: string, values: UpdateValues, build: UpdateBuilder): Promise<number> {
  const mysql = isMysql(db);
  const key = [statement, mysql ? 'mysql' : 'sqlite', ...shapeOf(values)].join('|');
  let shape = shapes.get(key);
  if (!shape) {
    shape = learn(db, values, build);
    shapes.set(key, shape);
  }
  const bindings = shape.order.map(([part, column, index]) => {
    const value = values[part][column];
    return Array.isArray(value) ? (value[index] as Scalar) : (value as Scalar);
  });
  const result: unknown = await db.raw(shape.sql, bindings);
  return changedRows(mysql, result);
}

function shapeOf(values: UpdateValues): string[] {
  const set = Object.keys(values.set).sort();
  const where = Object.entries(values.where)
    .map(([column, value]) => (Array.isArray(value) ? `${column}[${value.length}]` : column))
    .sort();
  return [`set:${set.join(',')}`, `where:${where.join(',')}`];
}

function learn(db: Knex, values: UpdateValues, build: UpdateBuilder): Shape {
  const standIn = (part: string, column: string, index = -1): string => `${STAND_IN}${part}:${column}:${index}`;
  const set = Object.fromEntries(Object.keys(values.set).map((column) => [column, standIn('set', column)]));
  const where = Object.fromEntries(
    Object.entries(values.where).map(([column, value]) => [column, Array.isArray(value) ? value.map((_, index) => standIn('where', column, index)) : standIn('where', column)]),
  );
  const { sql, bindings } = build(db, { set, where }).toSQL();
  const order = bindings.map((binding) => {
    const match = typeof binding === 'string' && binding.startsWith(STAND_IN) ? /^(set|where):(.+):(-?\d+)$/.exec(binding.slice(STAND_IN.length)) : null;
    if (!match) throw new Error(`prepared update: a binding that is not one of the values (${String(binding)})`);
    return [match[1] as 'set' | 'where', match[2]!, Number(match[3])] as const;
  });
  if (order.length !== bindingCount(values)) throw new Error('prepared update: a value is not used exactly once');
  return { sql, order };
}

function bindingCount(values: UpdateValues): number {
  return Object.keys(values.set).length + Object.values(values.where).reduce<number>((sum, value) => sum + (Array.isArray(value) ? value.length : 1), 0);
}

/** mysql2 answers an UPDATE with [ResultSetHeader, …], better-sqlite3 with { changes }. */
function changedRows(mysql: boolean, result: unknown): number {
  const header: unknown = mysql && Array.isArray(result) ? result[0] : result;
  const count = typeof header === 'object' && header !== null ? (mysql ? (header as { affectedRows?: unknown }).affectedRows : (header as { changes?: unknown }).changes) : undefined;
  if (typeof count !== 'number') throw new Error('prepared update: the driver did not say how many rows changed');
  return count;
}
