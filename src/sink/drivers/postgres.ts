/** A TCP connection pool through postgres.js: any Postgres, Neon's included, from the Bun host. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { SinkDatabase } from "../database.ts";

export interface PostgresOptions {
  /** Connections the pool may open; the sink batcher's `writers_max` should not exceed it. */
  connections_max: number;
}

const CONNECT_TIMEOUT_S = 5;

export async function openPostgres(url: string, options: PostgresOptions): Promise<SinkDatabase> {
  const client = postgres(url, {
    max: options.connections_max,
    // Seconds. A host that never answers fails a start, a health check or a flush within
    // seconds instead of postgres.js's 30 s; the flush retries on the actor's backoff.
    connect_timeout: CONNECT_TIMEOUT_S,
    // Seconds before reconnecting after a failed connection: postgres.js grows this to 20 s
    // in an outage, which would delay catch-up that long after Postgres returns; capped at 1 s.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
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
