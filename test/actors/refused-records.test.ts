/**
 * Poison Kafka records of a known payment in that payment's dead letters (actors/payment,
 * src/core/refused-record.ts): kept once with their source, written to Postgres through the
 * outbox, and replayable after a fix.
 */
import { afterEach, expect, test } from "bun:test";
import type { RefusedRecord } from "../../src/core/refused-record.ts";
import { createActorHarness, type ActorHarness } from "../support/actor-harness.ts";
import { lifecycle } from "../support/events.ts";

let harness: ActorHarness;
afterEach(() => harness?.close());

function refused(payment_id: string, offset: number, value: unknown, value_is_json: boolean, reason: RefusedRecord["reason"] = "invalid_event"): RefusedRecord {
  return {
    id: `kafka:payments:1:${offset}`,
    payment_id,
    source: { kind: "kafka", topic: "payments", partition: 1, offset: String(offset) },
    reason,
    error_class: reason === "invalid_json" ? "invalid_json" : "unknown_event_type",
    error_message: "refused by an older release",
    value,
    value_is_json,
  };
}

test("a poison record joins its payment's dead letters once, with its source, and its row reaches Postgres", async () => {
  harness = createActorHarness();
  const record = refused("pay_r1", 7, { id: "evt_r1", type: "payment.teleported", payment_id: "pay_r1" }, true);
  expect(await harness.actor("pay_r1").acceptDeadLetter(record)).toBe("accepted");
  expect(await harness.actor("pay_r1").acceptDeadLetter(record)).toBe("duplicate");
  expect(harness.actor("pay_r1").deliverDeadLetter(record, harness.now())).toBe("duplicate");
  await harness.settle("pay_r1");
  const view = harness.inspect("pay_r1");
  expect(view.counts.dead_letters).toBe(1);
  expect(view.dead_letters).toEqual([
    expect.objectContaining({
      event_id: "kafka:payments:1:7",
      type: "payment.teleported",
      reason: "invalid_event",
      stage: "kafka_ingest",
      attempts: 1,
      source: { kind: "kafka", topic: "payments", partition: 1, offset: "7" },
      event: null,
      record: { value: record.value },
    }),
  ]);
  const rows = harness.sink.rows("dead_letters");
  expect(rows.map((row) => [row.payment_id, row.event_id, row.status, row.stage, row.reason, row.source, row.message])).toEqual([
    ["pay_r1", "kafka:payments:1:7", "pending", "kafka_ingest", "invalid_event", record.source, record.value],
  ]);
});

test("replayed after a fix, a poison record that is now an event is applied, once", async () => {
  harness = createActorHarness();
  const [created, authorized] = lifecycle("pay_r2");
  expect(await harness.accept(created!)).toBe("accepted");
  // A release that did not know this event's shape refused it; this one reads it.
  expect(await harness.actor("pay_r2").acceptDeadLetter(refused("pay_r2", 3, authorized, true))).toBe("accepted");
  await harness.settle("pay_r2");
  expect(harness.inspect("pay_r2").status).toBe("created");
  expect(await harness.actor("pay_r2").replay("kafka:payments:1:3")).toBe("done");
  await harness.settle("pay_r2");
  const view = harness.inspect("pay_r2");
  expect(view.status).toBe("authorized");
  expect(view.dead_letters).toEqual([]);
  expect(view.events.at(-1)).toMatchObject({ id: authorized!.id, source: { kind: "replay", original: { kind: "kafka", topic: "payments", partition: 1, offset: "3" } } });
  expect(harness.sink.rows("dead_letters").map((row) => row.status)).toEqual(["pending", "replayed"]);
  // The event is now seen: delivered again over Kafka, it is a duplicate.
  expect(await harness.accept(authorized!)).toBe("duplicate");
});

test("replayed, a poison record that is still no event stays a dead letter with one attempt more", async () => {
  harness = createActorHarness();
  expect(await harness.actor("pay_r3").acceptDeadLetter(refused("pay_r3", 9, "{not json", false, "invalid_json"))).toBe("accepted");
  await harness.settle("pay_r3");
  harness.advance(1_000);
  expect(await harness.actor("pay_r3").replay("kafka:payments:1:9")).toBe("done");
  await harness.settle("pay_r3");
  const [letter] = harness.inspect("pay_r3").dead_letters;
  expect(letter).toMatchObject({ event_id: "kafka:payments:1:9", reason: "invalid_json", attempts: 2, type: null });
  expect(Date.parse(letter!.last_failed_at) - Date.parse(letter!.first_failed_at)).toBe(1_000);
  expect(harness.inspect("pay_r3").counts.dead_letters).toBe(1);
});

test("replaying a poison record whose event was accepted since adds nothing", async () => {
  harness = createActorHarness();
  const [created] = lifecycle("pay_r4");
  expect(await harness.actor("pay_r4").acceptDeadLetter(refused("pay_r4", 1, created, true))).toBe("accepted");
  // The producer sent the event again, fixed, and it was applied.
  expect(await harness.accept(created!)).toBe("accepted");
  await harness.settle("pay_r4");
  expect(await harness.actor("pay_r4").replay("kafka:payments:1:1")).toBe("done");
  await harness.settle("pay_r4");
  const view = harness.inspect("pay_r4");
  expect(view.events.map((event) => event.id)).toEqual([created!.id]);
  expect(view.dead_letters).toEqual([]);
});

test("a poison record is refused into a payment whose dead letters are full", async () => {
  harness = createActorHarness({ limits: { dead_letters_max: 1 } });
  expect(await harness.actor("pay_r5").acceptDeadLetter(refused("pay_r5", 1, "x", false, "invalid_json"))).toBe("accepted");
  expect(await harness.actor("pay_r5").acceptDeadLetter(refused("pay_r5", 2, "y", false, "invalid_json"))).toBe("dead_letters_full");
});
