import { expect } from "bun:test";
import { sql } from "drizzle-orm";
import { queryRows, type SinkDatabase } from "../../../src/sink/database.ts";
import { migrateSink } from "../../../src/sink/migrate.ts";
import { readSinkMigrations } from "../../../src/sink/migration-files.ts";
import { readPayment } from "../../support/sink-reads.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { paymentRow, rowsOf } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";

const TABLES = "payments, payment_events, ledger_journals, ledger_transfers, ledger_accounts, fraud_decisions, dead_letters, installation, kafka_dead_letter_publications";

export function migrationCases({ sink, open, test }: SinkSuiteContext): void {
  const migrations = readSinkMigrations();

  test("migrations apply twice without error and change nothing the second time", async () => {
    await writeSinkRows(sink(), rowsOf({ payments: [paymentRow("pay_kept", 1)] }));
    for (let run = 0; run < 2; run += 1) {
      const result = await migrateSink(sink());
      expect(result).toEqual({ applied: [], already_applied: migrations.length });
    }
    expect(await readPayment(sink(), "pay_kept")).not.toBeNull();
    expect(await appliedCount(sink())).toBe(migrations.length);
  });

  test("two migrations at once on one sink apply each migration once", async () => {
    await dropEverything(sink());
    const results = await Promise.all([migrateSink(sink()), migrateSink(sink())]);
    expect(results.flatMap((result) => result.applied)).toEqual(migrations.map((migration) => migration.tag));
    expect(await appliedCount(sink())).toBe(migrations.length);
  });

  test("two migrations at once from two pools apply each migration once", async () => {
    await dropEverything(sink());
    const other = await open();
    try {
      const results = await Promise.all([migrateSink(sink()), migrateSink(other)]);
      expect(results.flatMap((result) => result.applied)).toEqual(migrations.map((migration) => migration.tag));
      expect(await appliedCount(sink())).toBe(migrations.length);
    } finally {
      await other.close();
    }
  });
}

async function dropEverything(sink: SinkDatabase): Promise<void> {
  await sink.db.execute(sql.raw(`drop table if exists ${TABLES} cascade`));
  await sink.db.execute(sql`drop schema if exists drizzle cascade`);
}

async function appliedCount(sink: SinkDatabase): Promise<number> {
  const [row] = await queryRows<{ applied: string }>(
    sink.db,
    sql`select count(*)::text as applied from drizzle.__drizzle_migrations`,
  );
  return Number(row?.applied);
}
