import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPglite } from "../../src/sink/drivers/pglite.ts";
import { migrateSink } from "../../src/sink/migrate.ts";
import { readPayment } from "../support/sink-reads.ts";
import { writeSinkRows } from "../../src/sink/writer.ts";
import { runSinkSuite } from "./sink-suite.ts";
import { paymentRow, rowsOf } from "./sink-rows.ts";

runSinkSuite("sink on PGlite (in memory)", () => openPglite(undefined), {
  not_applicable: {
    "two migrations at once from two pools apply each migration once":
      "each in-memory PGlite is its own database, so two of them share nothing to race on",
  },
});

describe("sink on PGlite (a folder on disk)", () => {
  const folder = mkdtempSync(join(tmpdir(), "sink-pglite-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test("rows survive closing and reopening the folder", async () => {
    const first = await openPglite(join(folder, "postgres"));
    await migrateSink(first);
    await writeSinkRows(first, rowsOf({ payments: [paymentRow("pay_1", 1)] }));
    await first.close();
    const second = await openPglite(join(folder, "postgres"));
    try {
      expect((await migrateSink(second)).applied).toEqual([]);
      expect((await readPayment(second, "pay_1"))?.revision).toBe(1);
    } finally {
      await second.close();
    }
    // Opening a PGlite folder twice took over 5 s (Bun's default) on the loaded 2-core machine.
  }, 60_000);
});
