/** The installation id kept in a Bun host database file (actors.sqlite), beside its rows. */
import type { ActorDatabase } from "./actor-database.ts";

export function readInstallationId(database: ActorDatabase): { installation_id: string | null; has_rows: boolean } {
  database.db.exec("CREATE TABLE IF NOT EXISTS installation (installation_id TEXT PRIMARY KEY NOT NULL)");
  const row = database.db.query("SELECT installation_id FROM installation LIMIT 1").get() as { installation_id: string } | null;
  const has_rows = database.db.query("SELECT 1 AS present FROM actor_rows LIMIT 1").get() !== null;
  return { installation_id: row?.installation_id ?? null, has_rows };
}

/** Records the id in the current group commit; durable once `database.sync()` resolves. */
export function recordInstallationId(database: ActorDatabase, installation_id: string): void {
  database.prepareWrite("INSERT OR REPLACE INTO installation (installation_id) VALUES (?)")(installation_id);
}
