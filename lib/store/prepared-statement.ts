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
  /** What the values looked like, part by part and column by column (see `sameShape`). */
  readonly columns: readonly ColumnShape[];
}

/** A column of a part: a list of that length, a NULL, or one value. */
type ColumnShape = readonly [part: string, column: string, kind: number | 'null' | 'value'];

/**
 * The shapes learnt, per statement and dialect: a statement has one to a few (a patch's columns,
 * a list's length), matched column by column, so that sending one builds no key (issue #20: a key
 * string per statement was ~2 % of the bytes a callback allocated).
 */
const shapes = { sqlite: new Map<string, Shape[]>(), mysql: new Map<string, Shape[]>() };
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
 * answered (see `preparedRows`, `preparedInsert`, `preparedUpdate`). `expectedChanges`: a write
 * whose answer is read for nothing but its count of changed rows, and changes that many in the
 * common case; a pipelined transaction answers it so at once and checks it later
 * (`driver-transaction.ts`). `answeredWithNext`: see preparedInsert.
 */
export async function preparedRaw<Values extends StatementValues>(
  db: Knex,
  statement: string,
  values: Values,
  build: StatementBuilder<Values>,
  expectedChanges?: number,
  answeredWithNext = false,
): Promise<DriverAnswer> {
  const byStatement = isMysql(db) ? shapes.mysql : shapes.sqlite;
  let known = byStatement.get(statement);
  if (!known) {
    known = [];
    byStatement.set(statement, known);
  }
  let shape: Shape | undefined;
  for (const candidate of known) {
    if (sameShape(candidate.columns, values)) {
      shape = candidate;
      break;
    }
  }
  if (!shape) {
    shape = learn(db, values, build);
    known.push(shape);
  }
  const bindings: Scalar[] = [];
  for (const source of shape.order) {
    if (source === null) bindings.push(null);
    else {
      const value = values[source[0]]![source[1]]!;
      bindings.push(Array.isArray(value) ? (value[source[2]] as Scalar) : (value as Scalar));
    }
  }
  return runOnDriver(db, shape.sql, bindings, expectedChanges, answeredWithNext);
}

/** A SELECT's rows. */
export async function preparedRows<Row, Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>): Promise<Row[]> {
  const { rows } = await preparedRaw(db, statement, values, build);
  if (rows === undefined) throw new Error(`prepared statement ${statement}: the driver answered no rows`);
  return rows as Row[];
}

/**
 * An INSERT's new id. `answeredWithNext`: in a pipelined transaction's try (`keepsForNextPacket`),
 * the INSERT is kept and sent in one packet with the next statement the transaction sends, and its
 * id answered from that packet's answer; the caller must send that next statement without waiting
 * for this id. Elsewhere it is sent at once, as without it.
 */
export async function preparedInsert<Values extends StatementValues>(
  db: Knex,
  statement: string,
  values: Values,
  build: StatementBuilder<Values>,
  options: { readonly answeredWithNext?: boolean } = {},
): Promise<number> {
  const { insertId } = await preparedRaw(db, statement, values, build, undefined, options.answeredWithNext === true);
  if (insertId === undefined || insertId === 0) throw new Error(`prepared statement ${statement}: the database did not report the inserted id`);
  return insertId;
}

/** An UPDATE's count of changed rows; `expectedChanges`: how many it changes in the common case (see preparedRaw). */
export async function preparedUpdate<Values extends StatementValues>(db: Knex, statement: string, values: Values, build: StatementBuilder<Values>, expectedChanges: number): Promise<number> {
  const { changes } = await preparedRaw(db, statement, values, build, expectedChanges);
  if (changes === undefined) throw new Error('prepared update: the driver did not say how many rows changed');
  return changes;
}

/** The columns of each part in the order given (one code path gives one order), each list's length, and its NULLs. */
function shapeOf(values: StatementValues): ColumnShape[] {
  const columns: ColumnShape[] = [];
  for (const part in values) {
    const partValues = values[part]!;
    for (const column in partValues) columns.push([part, column, kindOf(partValues[column])]);
  }
  return columns;
}

function kindOf(value: Scalar | readonly Scalar[] | undefined): ColumnShape[2] {
  return Array.isArray(value) ? value.length : value === null ? 'null' : 'value';
}

/** Whether `values` have the shape `columns` were learnt from, without building anything. */
function sameShape(columns: readonly ColumnShape[], values: StatementValues): boolean {
  let at = 0;
  for (const part in values) {
    const partValues = values[part]!;
    for (const column in partValues) {
      const known = columns[at];
      if (known === undefined || known[0] !== part || known[1] !== column || known[2] !== kindOf(partValues[column])) return false;
      at += 1;
    }
  }
  return at === columns.length;
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
  return { sql, order, columns: shapeOf(values) };
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
