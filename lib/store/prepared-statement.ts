import type { Knex } from 'knex';
import { runOnDriver, type Binding, type DriverAnswer } from './driver-statement';
import { isMysql } from './schema';

export type Scalar = Binding;

/**
 * The values of one statement by part, each part by column: an UPDATE's `set` and `where`, an
 * INSERT's `row`, a SELECT's `where`. A column may be in two parts; a list is an IN.
 */
export type StatementValues = Readonly<Record<string, Readonly<Record<string, Scalar | readonly Scalar[]>>>>;

/** Builds the statement from stand-ins of its values; each stand-in must be used where its value goes. */
export type StatementBuilder<Values extends StatementValues> = (db: Knex, values: Values) => Knex.QueryBuilder;

interface Shape {
  readonly sql: string;
  /** Where each binding comes from: [part, column, index in a list or -1], or null for a NULL. */
  readonly order: ReadonlyArray<readonly [string, string, number] | null>;
}

const shapes = new Map<string, Shape>();
const STAND_IN = '\u0000prepared:';
const SEPARATOR = '\u0001';

/**
 * A statement on the call's hot path, built by knex once per shape (statement, dialect, the
 * columns of each part, the length of each list) and then sent as SQL with new bindings: building
 * and compiling a query with knex each time was a large part of a callback's CPU (issue #20). The
 * order of the bindings is learnt from stand-ins the builder is given for the values, so the SQL
 * and its bindings are always knex's own. A NULL is part of the shape, and given to the builder as
 * itself, because knex compiles it in a WHERE as `is null`, not as a binding. A builder must not
 * add values of its own (`.first()`'s limit, a captured variable): they would be frozen into the
 * shape, so they are refused. The statement is then sent on the driver connection directly
 * (`driver-statement.ts`), in the caller's transaction when `db` is one. Answers what the driver
 * answered (see `preparedRows`, `preparedInsert`, `preparedUpdate`).
 */
export async function preparedRaw<Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>): Promise<DriverAnswer> {
  const key = shapeKey(db, statement, values);
  let shape = shapes.get(key);
  if (!shape) {
    shape = learn(db, values, build);
    shapes.set(key, shape);
  }
  const bindings = shape.order.map((source) => {
    if (source === null) return null;
    const value = values[source[0]]![source[1]]!;
    return Array.isArray(value) ? (value[source[2]] as Scalar) : (value as Scalar);
  });
  return runOnDriver(db, shape.sql, bindings);
}

/** A SELECT's rows. */
export async function preparedRows<Row, Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>): Promise<Row[]> {
  const { rows } = await preparedRaw(db, statement, values, build);
  if (rows === undefined) throw new Error(`prepared statement ${statement}: the driver answered no rows`);
  return rows as Row[];
}

/** An INSERT's new id. */
export async function preparedInsert<Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>): Promise<number> {
  const { insertId } = await preparedRaw(db, statement, values, build);
  if (insertId === undefined || insertId === 0) throw new Error(`prepared statement ${statement}: the database did not report the inserted id`);
  return insertId;
}

/** An UPDATE's count of changed rows. */
export async function preparedUpdate<Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>): Promise<number> {
  const { changes } = await preparedRaw(db, statement, values, build);
  if (changes === undefined) throw new Error('prepared update: the driver did not say how many rows changed');
  return changes;
}

/** The columns of each part in the order given (one code path gives one order), and each list's length. */
function shapeKey(db: Knex, statement: string, values: StatementValues): string {
  let key = `${statement}${SEPARATOR}${isMysql(db) ? 'mysql' : 'sqlite'}`;
  for (const part in values) {
    key += `${SEPARATOR}${part}:`;
    const columns = values[part]!;
    for (const column in columns) {
      const value = columns[column];
      key += Array.isArray(value) ? `${column}[${value.length}],` : value === null ? `${column}=null,` : `${column},`;
    }
  }
  return key;
}

function learn<Values extends StatementValues>(db: Knex, values: Values, build: StatementBuilder<Values>): Shape {
  const standIn = (part: string, column: string, index = -1): string => `${STAND_IN}${part}${SEPARATOR}${column}${SEPARATOR}${index}`;
  const standIns = Object.fromEntries(
    Object.entries(values).map(([part, columns]) => [
      part,
      Object.fromEntries(
        Object.entries(columns).map(([column, value]) => [column, Array.isArray(value) ? value.map((_, index) => standIn(part, column, index)) : value === null ? null : standIn(part, column)]),
      ),
    ]),
  ) as unknown as Values;
  const { sql, bindings } = build(db, standIns).toSQL();
  const order = bindings.map((binding) => {
    if (binding === null) return null;
    const fields = typeof binding === 'string' && binding.startsWith(STAND_IN) ? binding.slice(STAND_IN.length).split(SEPARATOR) : [];
    if (fields.length !== 3) throw new Error(`prepared statement: a binding that is not one of the values (${String(binding)})`);
    return [fields[0]!, fields[1]!, Number(fields[2])] as const;
  });
  if (order.filter((source) => source !== null).length !== bindingCount(values)) throw new Error('prepared statement: a value is not used exactly once');
  return { sql, order };
}

/** How many stand-ins the builder is given (a NULL is given as itself). */
function bindingCount(values: StatementValues): number {
  let count = 0;
  for (const columns of Object.values(values)) {
    for (const value of Object.values(columns)) {
      if (Array.isArray(value)) {
        if (value.includes(null)) throw new Error('prepared statement: a NULL in a list (IN never matches it)');
        count += value.length;
      } else if (value !== null) count += 1;
    }
  }
  return count;
}

/**
 * A row type (an interface has no index signature) as the columns of a part, each checked to be a
 * scalar. Row types allow a bigint because of what a read may answer; what we write is a number.
 */
export function columnsOf<Row extends { [Column in keyof Row]: Scalar | bigint }>(row: Row): Readonly<Record<string, Scalar>> {
  return row as Readonly<Record<string, Scalar>>;
}
