import type { DeadLetterReason } from "../../../src/core/dead-letters.ts";
import { expect } from "bun:test";
import { listDeadLetters } from "../../../src/sink/queries.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { deadLetterRow, rowsOf } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";

export function deadLetterCases({ sink, test }: SinkSuiteContext): void {
  test("a dead letter's status moves forward only", async () => {
    const write = (version: number, status: "pending" | "replayed" | "discarded") =>
      writeSinkRows(sink(), rowsOf({ dead_letters: [deadLetterRow("pay_1", "evt_1", version, { status })] }));
    const status = async () => (await listDeadLetters(sink(), { limit: 1 }))[0]?.status;
    await write(1, "pending");
    await write(2, "replayed");
    await write(1, "pending");
    expect(await status()).toBe("replayed");
    await write(3, "discarded");
    await write(2, "replayed");
    expect(await status()).toBe("discarded");
  });

  test("listDeadLetters filters by reason, since, status and limit, newest failure first", async () => {
    const letter = (n: number, reason: DeadLetterReason, status: "pending" | "replayed", day: number) =>
      deadLetterRow(`pay_${n}`, `evt_${n}`, 1, {
        reason,
        status,
        last_failed_at: Date.parse(`2026-11-${String(day).padStart(2, "0")}T08:00:00.000Z`),
      });
    await writeSinkRows(
      sink(),
      rowsOf({
        dead_letters: [
          letter(1, "payment_blocked", "pending", 10),
          letter(2, "out_of_order_timeout", "pending", 12),
          letter(3, "payment_blocked", "replayed", 14),
          letter(4, "payment_blocked", "pending", 16),
          letter(5, "invalid_transition", "pending", 18),
        ],
      }),
    );
    const ids = async (filter: Parameters<typeof listDeadLetters>[1]) =>
      (await listDeadLetters(sink(), filter)).map((row) => row.payment_id);
    expect(await ids({ limit: 10 })).toEqual(["pay_5", "pay_4", "pay_3", "pay_2", "pay_1"]);
    expect(await ids({ limit: 2 })).toEqual(["pay_5", "pay_4"]);
    expect(await ids({ reason: "payment_blocked", limit: 10 })).toEqual(["pay_4", "pay_3", "pay_1"]);
    expect(await ids({ since: "2026-11-14T08:00:00Z", limit: 10 })).toEqual(["pay_5", "pay_4", "pay_3"]);
    expect(await ids({ status: "pending", reason: "payment_blocked", limit: 10 })).toEqual(["pay_4", "pay_1"]);
    expect(await ids({ reason: "payment_blocked", since: "2026-11-15T00:00:00Z", status: "pending", limit: 10 })).toEqual([
      "pay_4",
    ]);
    expect(await ids({ reason: "no_such_reason", limit: 10 })).toEqual([]);
  });
}
