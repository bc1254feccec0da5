/** Reads the SQL migrations drizzle-kit generated into `migrations/` (needs a file system). */
import { readMigrationFiles, type MigrationMeta } from "drizzle-orm/migrator";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface SinkMigration extends MigrationMeta {
  /** drizzle-kit's name for it, e.g. `0000_sink`. */
  tag: string;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

/** drizzle's own reader (same statement split and hash as its migrator), plus each file's tag. */
export function readSinkMigrations(): SinkMigration[] {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as {
    entries: { tag: string }[];
  };
  return readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((migration, index) => ({
    ...migration,
    tag: journal.entries[index]?.tag ?? String(migration.folderMillis),
  }));
}
