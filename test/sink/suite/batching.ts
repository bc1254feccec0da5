import { expect } from "bun:test";
import type { SinkRows } from "../../../src/core/postgres-rows.ts";
import { SinkBatcher } from "../../../src/sink/batcher.ts";
import { countPaymentEvents } from "../../../src/sink/queries.ts";
import { ledgerTotals, readPayment } from "../../support/sink-reads.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { paymentLifeRows } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";

export function batchingCases({ sink, test }: SinkSuiteContext): void {
  test("concurrent writes through SinkBatcher from many callers all land once", async () => {
    let writing = 0;
    let writing_max = 0;
    let batches = 0;
    const batcher = new SinkBatcher({
      batch_rows_max: 100,
      writers_max: 2,
      async write(rows: SinkRows) {
        batches += 1;
        writing += 1;
        writing_max = Math.max(writing_max, writing);
        try {
          await writeSinkRows(sink(), rows);
        } finally {
          writing -= 1;
        }
      },
    });
    const callers = 150;
    const writes: Promise<void>[] = [];
    for (let n = 0; n < callers; n += 1) {
      const rows = paymentLifeRows(`pay_${n}`, `m_${n % 7}`);
      writes.push(batcher.write(rows));
      // An actor retrying its flush sends the same rows again.
      if (n % 3 === 0) writes.push(batcher.write(structuredClone(rows)));
    }
    await Promise.all(writes);
    expect(batcher.pending()).toBe(0);
    await batcher.close();

    expect(await countPaymentEvents(sink())).toBe(callers * 2);
    expect((await readPayment(sink(), `pay_${callers - 1}`))?.status).toBe("captured");
    const totals = await ledgerTotals(sink(), "USD");
    expect(totals.debits_posted).toBe(BigInt(callers * 650));
    expect(totals.credits_posted).toBe(totals.debits_posted);
    expect(totals.debits_pending).toBe(0n);
    expect(totals.credits_pending).toBe(0n);
    expect(writing_max).toBeLessThanOrEqual(2);
    expect(batches).toBeLessThan(callers);
  });
}
