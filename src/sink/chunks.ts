import { getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** Postgres' wire protocol counts bind parameters in 16 bits. */
export const BIND_PARAMETERS_MAX = 65_535;

/** Splits rows so that no statement binds more than `bind_parameters_max` parameters. */
export function chunksOf<Row>(rows: Row[], bind_parameters_max: number, columns: number): Row[][] {
  const rows_per_chunk = Math.max(1, Math.floor(bind_parameters_max / columns));
  const chunks: Row[][] = [];
  for (let start = 0; start < rows.length; start += rows_per_chunk) {
    chunks.push(rows.slice(start, start + rows_per_chunk));
  }
  return chunks;
}

/** Bind parameters one row of `table` takes in a multi-row insert. */
export function columnCount(table: PgTable): number {
  return Object.keys(getTableColumns(table)).length;
}
