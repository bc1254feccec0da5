import { expect } from "bun:test";
import { sql } from "drizzle-orm";
import type { SinkRows } from "../../../src/core/postgres-rows.ts";
import { queryRows } from "../../../src/sink/database.ts";
import { countPaymentEvents, ledgerAccounts, listDeadLetters } from "../../../src/sink/queries.ts";
import { readPayment } from "../../support/sink-reads.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { deadLetterRow, eventRow, listed, paymentLifeRows, paymentRow, rowsOf, transferRow } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";
import { snapshotSink, truncateSink } from "./snapshot.ts";

/** Rows as outbox entries stored before SinkRows times were epoch ms hold them: ISO strings. */
function withIsoTimes(rows: SinkRows): SinkRows {
  const iso_of = (value: unknown) => (typeof value === "number" ? new Date(value).toISOString() : value);
  const convert = (row: object) =>
    Object.fromEntries(Object.entries(row).map(([field, value]) => [field, field.endsWith("_at") ? iso_of(value) : value]));
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.map(convert)])) as unknown as SinkRows;
}

export function idempotencyCases({ sink, test }: SinkSuiteContext): void {
  test("rows of an outbox entry stored with ISO 8601 times (before times were epoch ms) write the same tables", async () => {
    await writeSinkRows(sink(), withIsoTimes(paymentLifeRows("pay_a")));
    const legacy = await snapshotSink(sink());
    expect(legacy.payment_events).toHaveLength(2);
    await truncateSink(sink());
    await writeSinkRows(sink(), paymentLifeRows("pay_a"));
    expect(await snapshotSink(sink())).toEqual(legacy);
    expect(await readPayment(sink(), "pay_a")).toEqual(paymentLifeRows("pay_a").payments.at(-1)!);
  });

  test("writing the same rows twice changes nothing", async () => {
    const rows = rowsOf({});
    for (const payment_id of ["pay_a", "pay_b"]) {
      const life = paymentLifeRows(payment_id);
      for (const key of Object.keys(rows) as (keyof typeof rows)[]) (rows[key] as unknown[]).push(...life[key]);
    }
    await writeSinkRows(sink(), rows);
    const before = await snapshotSink(sink());
    expect(before.ledger_transfers).toHaveLength(6);
    await writeSinkRows(sink(), rows);
    await writeSinkRows(sink(), paymentLifeRows("pay_a"));
    expect(await snapshotSink(sink())).toEqual(before);
  });

  test("a batch holding the same keys twice writes each once and keeps the newest projection", async () => {
    await writeSinkRows(
      sink(),
      rowsOf({
        payments: [paymentRow("pay_1", 2), paymentRow("pay_1", 3, { status: "captured" }), paymentRow("pay_1", 1)],
        payment_events: [eventRow("evt_1", "pay_1", 1), eventRow("evt_1", "pay_1", 1)],
        ledger_transfers: [transferRow("hold", "pending", 700), transferRow("hold", "pending", 700)],
        dead_letters: [deadLetterRow("pay_1", "evt_9", 1), deadLetterRow("pay_1", "evt_9", 3, { status: "discarded" })],
      }),
    );
    expect((await readPayment(sink(), "pay_1"))?.revision).toBe(3);
    expect(await countPaymentEvents(sink())).toBe(1);
    const clearing = (await ledgerAccounts(sink(), "USD")).find((account) => account.account === "psp:clearing");
    expect(clearing?.debits_pending).toBe(700n);
    expect((await listDeadLetters(sink(), { limit: 10 }))[0]?.status).toBe("discarded");
  });

  test("a payment projection never moves back to a lower revision", async () => {
    const captured = paymentRow("pay_1", 3, { status: "captured", amount_captured: 600 });
    await writeSinkRows(sink(), rowsOf({ payments: [captured] }));
    await writeSinkRows(sink(), rowsOf({ payments: [paymentRow("pay_1", 2)] }));
    await writeSinkRows(sink(), rowsOf({ payments: [paymentRow("pay_1", 3, { status: "failed" })] }));
    expect(await readPayment(sink(), "pay_1")).toEqual(captured);
    const refunded = paymentRow("pay_1", 4, { status: "refunded", amount_captured: 600, amount_refunded: 600 });
    await writeSinkRows(sink(), rowsOf({ payments: [refunded] }));
    expect(await readPayment(sink(), "pay_1")).toEqual(refunded);
  });

  test("rows read back as written, JSON as JSON and money as integers", async () => {
    const payment = paymentRow("pay_1", 1, { amount_authorized: Number.MAX_SAFE_INTEGER, currency: null, fraud_decision: null });
    const dead_letters = [
      deadLetterRow("pay_1", "evt_1", 1, { message: "not json at all" }),
      deadLetterRow("pay_2", "evt_2", 1, { message: null }),
    ];
    await writeSinkRows(
      sink(),
      rowsOf({ payments: [payment], payment_events: [eventRow("evt_1", "pay_1", 1)], dead_letters }),
    );
    expect(await readPayment(sink(), "pay_1")).toEqual(payment);
    // SinkRows times are epoch ms; the listing (GET /dlq) shows them as ISO strings, as before.
    expect(await listDeadLetters(sink(), { limit: 10 })).toEqual(dead_letters.map(listed));
    const [stored] = await queryRows<{ kind: string; amount: unknown }>(
      sink().db,
      sql`select jsonb_typeof(event) as kind, event #>> '{data,amount}' as amount from payment_events`,
    );
    expect(stored).toEqual({ kind: "object", amount: "1000" });
  });

  test("characters Postgres refuses are replaced, never refused", async () => {
    const message = { raw: "bad\u0000byte", lone: "half \ud800 a pair", kept: "emoji \u{1f600}" };
    await writeSinkRows(
      sink(),
      rowsOf({ dead_letters: [deadLetterRow("pay_1", "evt_1", 1, { message, error_message: "nul \u0000 here" })] }),
    );
    const [stored] = await listDeadLetters(sink(), { limit: 1 });
    expect(stored?.message).toEqual({ raw: "bad\\u0000byte", lone: "half \ufffd a pair", kept: "emoji \u{1f600}" });
    expect(stored?.error_message).toBe("nul \\u0000 here");
  });

  test("an identifier holding such characters is written with them replaced, and the text \\u0000 stays as it is", async () => {
    const event_id = "evt_\ud800_\u0000";
    const event = { id: event_id, note: "the text \\u0000 and \\ud800, not the characters" };
    await writeSinkRows(sink(), rowsOf({ payment_events: [eventRow(event_id, "pay_\udc00", 1, { event: event as never })] }));
    const rows = await queryRows<{ event_id: string; payment_id: string; note: string }>(
      sink().db,
      sql`select event_id, payment_id, event ->> 'note' as note from payment_events`,
    );
    expect(rows).toEqual([{ event_id: "evt_\ufffd_\\u0000", payment_id: "pay_\ufffd", note: event.note }]);
  });
}
