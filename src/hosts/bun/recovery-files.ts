/**
 * The files `npm run recover` touches in DATA_DIR: it refuses to replace an actor database
 * that holds anything unless told to (`--force`, which moves it aside, never deletes it),
 * builds the new one beside it under another name, and moves it into place only once it is
 * complete and durable, so a failed recovery leaves DATA_DIR as it found it.
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { hasTable } from "../../../actors/bun/sqlite-tables.ts";

const SQLITE_SIDE_FILES = ["-wal", "-shm"] as const;

export interface ActorDatabaseFacts {
  /** False when the file is absent or 0 bytes. */
  exists: boolean;
  /** Rows of actors in it, or null when it cannot be read (a corrupt file counts as holding something). */
  actor_rows: number | null;
  installation_id: string | null;
}

/** What an actor database file holds, read-only (a missing table reads as none). */
export function readActorDatabaseFacts(path: string): ActorDatabaseFacts {
  if (!existsSync(path) || statSync(path).size === 0) return { exists: false, actor_rows: 0, installation_id: null };
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    const tables = new Set((db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    const actor_rows = tables.has("actor_rows") ? (db.query("SELECT count(*) AS n FROM actor_rows").get() as { n: number }).n : 0;
    const installation = tables.has("installation")
      ? ((db.query("SELECT installation_id FROM installation LIMIT 1").get() as { installation_id: string } | null)?.installation_id ?? null)
      : null;
    return { exists: true, actor_rows, installation_id: installation };
  } catch {
    return { exists: true, actor_rows: null, installation_id: null };
  } finally {
    db?.close();
  }
}

/** The ingress log's installation id and how many acknowledged events wait in it, or null without one. */
export function readIngressFacts(path: string): { installation_id: string | null; waiting: number } | null {
  if (!existsSync(path) || statSync(path).size === 0) return null;
  const facts = readActorDatabaseFacts(path);
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    // A row a commit (ingress-log.ts), or a row an entry in a file an older version wrote.
    const batched = hasTable(db, "ingress_batches") ? (db.query("SELECT coalesce(sum(json_array_length(entries)), 0) AS n FROM ingress_batches").get() as { n: number }).n : 0;
    const legacy = hasTable(db, "ingress_log") ? (db.query("SELECT count(*) AS n FROM ingress_log").get() as { n: number }).n : 0;
    const waiting = batched + legacy;
    return { installation_id: facts.installation_id, waiting };
  } catch {
    return { installation_id: facts.installation_id, waiting: 0 };
  } finally {
    db?.close();
  }
}

/**
 * Whether another process has this SQLite file open (a running host keeps both of its files
 * open): an exclusive lock is refused while any other connection holds its shared one.
 * Takes the lock and lets go at once, writing nothing.
 */
export function openElsewhere(path: string): boolean {
  if (!existsSync(path) || statSync(path).size === 0) return false;
  let db: Database | null = null;
  try {
    db = new Database(path, { readwrite: true, create: false });
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("ROLLBACK");
    return false;
  } catch (error) {
    return /locked|busy/i.test(error instanceof Error ? error.message : String(error));
  } finally {
    db?.close();
  }
}

/** Removes a file and its WAL side files, if present. */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ["", ...SQLITE_SIDE_FILES]) rmSync(path + suffix, { force: true });
}

/** Moves a database file and its side files to `to` (same folder); returns `to`. */
export function moveDatabaseFiles(path: string, to: string): string {
  for (const suffix of ["", ...SQLITE_SIDE_FILES]) {
    if (existsSync(path + suffix)) renameSync(path + suffix, to + suffix);
  }
  syncDirectory(dirname(path));
  return to;
}

/** Makes renames and creations in a folder durable. */
export function syncDirectory(path: string): void {
  const descriptor = openSync(path, "r");
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
