/**
 * Multi-row statements that bind one parameter: the rows as one JSON array, turned back into
 * rows by Postgres (`jsonb_to_recordset`) with the columns and types of the drizzle table.
 * Binding thousands of parameters one by one cost more than the insert itself (measured on
 * embedded PGlite: drizzle building the placeholders, the driver encoding each value, and
 * Postgres parsing a VALUES list); one JSON text is encoded natively and parsed once.
 */
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { jsonbSafe } from "./postgres-text.ts";

export interface RecordsetColumns {
  /** `"a", "b"`: the insert's column list. */
  names: SQL;
  /** `x("a" text, "b" bigint)`: the record definition `jsonb_to_recordset` needs. */
  definition: SQL;
}

const cache = new WeakMap<PgTable, RecordsetColumns>();

/** The table's columns for an `insert ... select` from `jsonb_to_recordset`, built once per table. */
function recordsetColumns(table: PgTable): RecordsetColumns {
  let columns = cache.get(table);
  if (columns === undefined) {
    const all = Object.values(getTableColumns(table)) as PgColumn[];
    const names = all.map((column) => `"${column.name}"`).join(", ");
    const definition = all.map((column) => `"${column.name}" ${column.getSQLType()}`).join(", ");
    columns = { names: sql.raw(names), definition: sql.raw(`x(${definition})`) };
    cache.set(table, columns);
  }
  return columns;
}

/** `insert into table (columns) select columns from jsonb_to_recordset($1) as x(...)`, without a conflict clause. */
export function insertFromJson(table: PgTable, rows: readonly object[]): SQL {
  const columns = recordsetColumns(table);
  return sql`insert into ${sql.identifier(getTableName(table))} (${columns.names}) select ${columns.names} from jsonb_to_recordset(${rowsJson(rows)}::text::jsonb) as ${columns.definition}`;
}

/**
 * The rows as JSON text. Postgres' `jsonb` refuses U+0000 and unpaired surrogates, which
 * JSON.stringify writes as `\u0000` and `\udXXX` escapes (a paired surrogate is written as
 * itself). prepare-rows.ts already made every free-text field safe; should an identifier
 * hold one (or the data the text `\u...`, which the quick test cannot tell apart), every
 * string is made safe the same way (postgres-text.ts) and the rows written again.
 */
function rowsJson(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  return MAYBE_UNSAFE_ESCAPE.test(json) ? JSON.stringify(jsonbSafe(JSON.parse(json))) : json;
}

const MAYBE_UNSAFE_ESCAPE = /\\u(?:0000|d[89a-f])/i;
