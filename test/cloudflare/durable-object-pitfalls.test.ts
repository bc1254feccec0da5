/**
 * The Durable Object pitfalls of DESIGN.md section 3, each handled on purpose by the adapter
 * (actors/cloudflare) and shown here on workerd. Two more are proved by the actor-host suite
 * on workerd (test/hosts/workerd.test.ts): no await between reading and writing state
 * ("concurrent messages to one key are processed one at a time ..." counts interleavings),
 * and queues read in pages ("list returns at most limit rows ..."). The ingress retry is
 * tested in stub-retry.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ROW_BYTES_MAX } from "../../actors/cloudflare/durable-object-storage.ts";
import { lifecycle } from "../support/events.ts";
import { startPitfallsWorker, type PitfallsWorker } from "../support/workerd-pitfalls.ts";

let worker: PitfallsWorker;
beforeAll(async () => {
  worker = await startPitfallsWorker();
}, 60_000);
afterAll(async () => {
  await worker?.stop();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, wait_ms = 5_000): Promise<T> {
  const deadline = Date.now() + wait_ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await Bun.sleep(20);
  }
}

describe("Durable Object pitfalls, handled on purpose", () => {
  test("an alarm handler that fails is re-armed by the adapter, so the runtime never sees a throw nor spends its retries", async () => {
    await worker.call("alarm-fails", "failingAlarm", 8);
    const report = await until(() => worker.call("alarm-fails", "alarmReport"), (report) => report.succeeded);
    expect(report.succeeded).toBe(true);
    // Eight failures and the success: more than the runtime's own six retries would allow.
    expect(report.invocations.length).toBe(9);
    expect(report.invocations.every((invocation: { isRetry: boolean }) => invocation.isRetry === false)).toBe(true);
    expect(report.alarm).toBeNull();
  });

  test("the object's alarm is set only by a transaction that commits, and deleted with the actor's", async () => {
    const answer = await worker.call("alarm-transactions", "alarmInTransactions");
    expect(answer.after_rollback).toEqual({ get: null, object: null });
    expect(answer.after_commit).toEqual({ get: answer.at, object: answer.at });
    expect(answer.after_delete).toBeNull();
  });

  test("an object reset in the middle of its alarm handler is re-armed from the stored time when it comes back", async () => {
    const stalled_at = await worker.call<number>("alarm-stalled", "stall");
    expect(await worker.call("alarm-stalled", "objectAlarm")).toBeNull();
    await worker.call("alarm-stalled", "reset").catch(() => {});
    expect(await worker.call("alarm-stalled", "objectAlarm")).toBe(stalled_at);
  });

  test("a row over the limit is refused with a PermanentError, rolls its transaction back, and the object keeps working", async () => {
    const answer = await worker.call("oversized", "oversizedRow");
    expect(answer.error).toContain("PermanentError");
    expect(answer.error).toContain(String(ROW_BYTES_MAX));
    expect(answer.small).toBeNull();
    expect(answer.after).toBe(2);
  });

  test("a payment's stored rows stay small: one row per message, event or journal, none near the limit", async () => {
    for (const event of lifecycle("pay_rows")) expect(await worker.call("pay_rows", "paymentAccept", event)).toBe("accepted");
    const view = await until(() => worker.call("pay_rows", "paymentInspect"), (view) => view?.version === 4 && view.outbox.pending === 0);
    expect(view.status).toBe("partially_refunded");
    const rows = await worker.call("pay_rows", "largestRow");
    expect(rows.rows).toBeGreaterThan(8);
    expect(rows.largest_chars).toBeLessThan(8 * 1024);
  });
});
