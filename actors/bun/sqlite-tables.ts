/** Whether a bun:sqlite database holds a table: for files an older version may have laid out otherwise. */
import type { Database } from "bun:sqlite";

export function hasTable(db: Database, name: string): boolean {
  return db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;
}
