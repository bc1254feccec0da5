import { describe, expect, test } from "bun:test";
import { countSinkRows, mergeSinkRows } from "../../src/core/merge-sink-rows.ts";
import { deadLetterRow, eventRow, paymentLifeRows, paymentRow, transferRow } from "../sink/sink-rows.ts";

describe("mergeSinkRows, the one merge of the actor's flush, the batcher and the writer", () => {
  test("keeps one row per key: the first copy of an event-derived row, the highest version of a projection", () => {
    const merged = mergeSinkRows([
      { payments: [paymentRow("pay_1", 2)], payment_events: [eventRow("evt_1", "pay_1", 1)] },
      { payments: [paymentRow("pay_1", 3, { status: "captured" }), paymentRow("pay_1", 1)], payment_events: [eventRow("evt_1", "pay_1", 1, { type: "payment.captured" })] },
      { dead_letters: [deadLetterRow("pay_1", "evt_9", 2, { status: "replayed" }), deadLetterRow("pay_1", "evt_9", 1)] },
    ]);
    expect(merged.payments).toEqual([paymentRow("pay_1", 3, { status: "captured" })]);
    expect(merged.payment_events).toEqual([eventRow("evt_1", "pay_1", 1)]);
    expect(merged.dead_letters).toEqual([deadLetterRow("pay_1", "evt_9", 2, { status: "replayed" })]);
    expect(countSinkRows(merged)).toBe(3);
  });

  test("sorts every table by key, so concurrent batches lock in one order", () => {
    const merged = mergeSinkRows([{ ledger_transfers: [transferRow("t_b", "posted", 1), transferRow("t_a", "posted", 1)] }, { payments: [paymentRow("pay_2", 1), paymentRow("pay_1", 1)] }]);
    expect(merged.ledger_transfers.map((row) => row.transfer_id)).toEqual(["t_a", "t_b"]);
    expect(merged.payments.map((row) => row.payment_id)).toEqual(["pay_1", "pay_2"]);
  });

  test("merging merged rows again changes nothing, and counts every table", () => {
    const once = mergeSinkRows([paymentLifeRows("pay_a"), paymentLifeRows("pay_b"), paymentLifeRows("pay_a")]);
    expect(mergeSinkRows([once])).toEqual(once);
    expect(countSinkRows(once)).toBe(countSinkRows(mergeSinkRows([paymentLifeRows("pay_a")])) * 2);
    expect(countSinkRows({})).toBe(0);
  });
});
