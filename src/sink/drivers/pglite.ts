/** PGlite: real Postgres in WebAssembly, the Bun host's embedded default (a folder on disk). */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { mkdir } from "node:fs/promises";
import type { SinkDatabase } from "../database.ts";

/**
 * PGlite starts Postgres with a server's shared_buffers (128 MB), and initialising the
 * buffer pool touches all of it in the WebAssembly memory, which never shrinks: measured on
 * a restart of PGlite alone, 260 MiB resident with the default, 146 MiB with 16 MB. A pool
 * smaller than the indexes the sink inserts into evicts a dirty page for nearly every row,
 * which PGlite writes through its file system layer: at 3,000 events/s for 30 s (2026-12-04,
 * about 100,000 events in the tables) the sink thread wrote 17.7 KiB an event with 16 MB,
 * 6.6 with 64 MB and 5.9 with 128 MB, and its CPU an event rose 80% over 40 s with 16 MB
 * against 40% with 64 MB. 64 MB keeps most of that for 48 MiB more resident.
 */
const EMBEDDED_SHARED_BUFFERS = "64MB";

/** Opens PGlite in `data_dir`, created if missing; `undefined` keeps the database in memory. */
export async function openPglite(data_dir: string | undefined): Promise<SinkDatabase> {
  if (data_dir !== undefined) await mkdir(data_dir, { recursive: true });
  const startParams = [...PGlite.defaultStartParams, "-c", `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`];
  const client = data_dir === undefined ? new PGlite({ startParams }) : new PGlite(data_dir, { startParams });
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
