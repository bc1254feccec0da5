/** PGlite: real Postgres in WebAssembly, the Bun host's embedded default (a folder on disk). */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { mkdir } from "node:fs/promises";
import type { SinkDatabase } from "../database.ts";

/**
 * PGlite starts Postgres with a server's shared_buffers (128 MB), and initialising the
 * buffer pool touches all of it in the WebAssembly memory, which never shrinks: measured on
 * a restart of PGlite alone, 260 MiB resident with the default, 146 MiB with 16 MB. The sink
 * appends rows and reads back little, and pages evicted from this pool are still in the
 * operating system's page cache, so a small pool costs little speed (README, Faults: memory).
 */
const EMBEDDED_SHARED_BUFFERS = "16MB";

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
