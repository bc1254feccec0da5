/** A TCP connection pool through postgres.js: any Postgres, Neon's included, from the Bun host. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { SinkDatabase } from "../database.ts";

export interface PostgresOptions {
  /** Connections the pool may open; the sink batcher's `writers_max` should not exceed it. */
  connections_max: number;
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<SinkDatabase> {
  const client = postgres(url, {
    max: options.connections_max,
    // Migrations print "already exists, skipping" notices on every start.
    onnotice: () => {},
  });
  let closing: Promise<void> | null = null;
  return {
    db: drizzle({ client }),
    driver: "postgres",
    close() {
      closing ??= client.end({ timeout: 5 });
      return closing;
    },
  };
}
