/**
 * The one seam between the sink and a Postgres driver. Each driver file
 * (`drivers/pglite.ts`, `drivers/postgres.ts`, `drivers/neon.ts`) is the only place its
 * vendor SDK is imported; the writer, the migrator and the queries see only this interface.
 */
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

export type SinkDriver = "pglite" | "postgres" | "neon";

/** A drizzle database usable with every driver: only what all three have in common. */
export type SinkDb = PgDatabase<PgQueryResultHKT>;

export interface SinkDatabase {
  db: SinkDb;
  driver: SinkDriver;
  /**
   * Releases every connection (or the embedded database). Safe to call more than once;
   * queries still running may fail.
   */
  close(): Promise<void>;
}

/**
 * Runs raw SQL and returns its rows. The drivers disagree on the result shape (postgres.js
 * returns an array, PGlite and node-postgres an object with `rows`), and on column types
 * (`bigint` and `numeric` arrive as string, number or bigint): cast in SQL to `text` and
 * convert with `toBigint` / `toNumber` rather than trusting a driver's choice.
 */
export async function queryRows<Row extends Record<string, unknown>>(db: SinkDb, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as Row[];
  return (result as { rows: Row[] }).rows;
}

export function toBigint(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (value === null || value === undefined) return 0n;
  return BigInt(String(value));
}

export function toNumber(value: unknown): number {
  const number = Number(value ?? 0);
  if (!Number.isSafeInteger(number)) throw new RangeError(`expected a safe integer, found ${String(value)}`);
  return number;
}
