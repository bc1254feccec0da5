/**
 * Applies the drizzle-kit migrations. Safe at every start and when several processes start
 * at once.
 *
 * drizzle's own `migrate()` reads the applied list outside its transaction, so two processes
 * starting together both try to create the tables and one fails; and holding a session-level
 * advisory lock around it needs a dedicated connection, which a transaction-mode pooler (Neon's
 * pgbouncer) does not give. So the same bookkeeping as drizzle's migrator (table
 * `drizzle.__drizzle_migrations`, hash, `created_at` = the journal's `when`) runs here inside
 * one transaction that first takes a transaction-level advisory lock. drizzle-kit and drizzle's
 * migrator see the result as their own.
 */
import { sql } from "drizzle-orm";
import { queryRows, type SinkDatabase } from "./database.ts";
import { readSinkMigrations } from "./migration-files.ts";

/** Any constant shared by every process of this app; "sinkmigr" read as ASCII, truncated. */
const MIGRATION_LOCK_KEY = 0x73696e6b6d69;

export interface SinkMigrationResult {
  /** Tags applied by this call, in order. */
  applied: string[];
  /** Migrations found already applied. */
  already_applied: number;
}

export async function migrateSink(sink: SinkDatabase): Promise<SinkMigrationResult> {
  const migrations = readSinkMigrations();
  return sink.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`));
    await tx.execute(sql`create schema if not exists drizzle`);
    await tx.execute(sql`
      create table if not exists drizzle.__drizzle_migrations (
        id serial primary key,
        hash text not null,
        created_at bigint
      )`);
    const [last] = await queryRows<{ created_at: string | null }>(
      tx,
      sql`select created_at::text as created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
    );
    const last_applied_millis = last?.created_at == null ? -1 : Number(last.created_at);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.folderMillis <= last_applied_millis) continue;
      for (const statement of migration.sql) {
        if (statement.trim() !== "") await tx.execute(sql.raw(statement));
      }
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
      );
      applied.push(migration.tag);
    }
    return { applied, already_applied: migrations.length - applied.length };
  });
}
