/**
 * The adapter's own rows, kept apart from the actor's keys in a small SQL table of the same
 * SQLite database (so they join the actor's transactions): the actor's key and the alarm time.
 */
import type { DurableObjectStorageApi } from "./durable-object-api.ts";

export type RuntimeRow = "actor_key" | "alarm_at";

function createRuntimeTable(storage: DurableObjectStorageApi): void {
  storage.sql.exec("CREATE TABLE IF NOT EXISTS actor_runtime (name TEXT PRIMARY KEY, value TEXT)");
}

/**
 * Whether the table exists. Reading it must not create it: an object that is only ever asked
 * about (an inspection of an unknown payment) should not be left holding storage.
 */
function runtimeTableExists(storage: DurableObjectStorageApi): boolean {
  return storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'actor_runtime'").toArray().length > 0;
}

export function readRuntimeRow(storage: DurableObjectStorageApi, name: RuntimeRow): string | null {
  if (!runtimeTableExists(storage)) return null;
  const [row] = storage.sql.exec("SELECT value FROM actor_runtime WHERE name = ?", name).toArray();
  return (row?.value as string | null | undefined) ?? null;
}

export function writeRuntimeRow(storage: DurableObjectStorageApi, name: RuntimeRow, value: string | null): void {
  createRuntimeTable(storage);
  storage.sql.exec(
    "INSERT INTO actor_runtime (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    name,
    value,
  );
}
