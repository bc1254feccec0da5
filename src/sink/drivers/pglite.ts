/** PGlite: real Postgres in WebAssembly, the Bun host's embedded default (a folder on disk). */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { mkdir } from "node:fs/promises";
import type { SinkDatabase } from "../database.ts";

/** Opens PGlite in `data_dir`, created if missing; `undefined` keeps the database in memory. */
export async function openPglite(data_dir: string | undefined): Promise<SinkDatabase> {
  if (data_dir !== undefined) await mkdir(data_dir, { recursive: true });
  const client = data_dir === undefined ? new PGlite() : new PGlite(data_dir);
  await client.waitReady;
  let closing: Promise<void> | null = null;
  return {
    db: drizzle({ client }),
    driver: "pglite",
    close() {
      closing ??= client.close();
      return closing;
    },
  };
}
