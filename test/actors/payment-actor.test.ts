import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import type { PaymentState } from "../../src/core/payment.ts";
import { createActorHarness, WEBHOOK_SOURCE, type ActorHarness } from "../support/actor-harness.ts";
import { event, lifecycle } from "../support/events.ts";

let harness: ActorHarness;
afterEach(() => harness?.close());

describe("payment actor", () => {
  test("a full lifecycle applies in order and posts balanced journals", async () => {
    harness = createActorHarness();
    for (const e of lifecycle("pay_1")) expect(await harness.accept(e)).toBe("accepted");
    await harness.settle("pay_1");
    const view = harness.inspect("pay_1");
    expect(view.status).toBe("partially_refunded");
    expect(view.amounts).toEqual({ authorized: 5000, captured: 4000, refunded: 1000, disputed: 0, fees: 120 });
    expect(view.version).toBe(4);
    expect(view.events.map((e) => e.type)).toEqual([
      "payment.created",
      "payment.authorized",
      "payment.captured",
      "payment.refunded",
    ]);
    expect(view.journals.length).toBe(3);
    expect(view.outbox.pending).toBe(0);
    expect(harness.sink.rows("payment_events").length).toBe(4);
    expect(harness.sink.rows("ledger_transfers").length).toBe(4);
    expect(view.fraud?.decision).toBe("allow");
  });

  test("a message delivered again (a host redelivering after a crash) is applied once, in a new payment and in one reopened", async () => {
    harness = createActorHarness();
    const [created, authorized] = lifecycle("pay_redelivered");
    const deliver = (event: typeof created) => harness.actor("pay_redelivered").deliver(event!, WEBHOOK_SOURCE, harness.now());
    expect(deliver(created)).toBe("delivered");
    expect(deliver(created)).toBe("duplicate");
    await harness.settle("pay_redelivered");
    expect(deliver(created)).toBe("duplicate");
    const directory = harness.directory;
    await harness.close(false);
    harness = createActorHarness({ directory });
    expect(deliver(created)).toBe("duplicate");
    expect(deliver(authorized)).toBe("delivered");
    expect(deliver(authorized)).toBe("duplicate");
    await harness.settle("pay_redelivered");
    expect(harness.inspect("pay_redelivered").events.map((e) => e.id)).toEqual([created!.id, authorized!.id]);
  });

  test("a duplicate event is acknowledged and changes nothing", async () => {
    harness = createActorHarness();
    const [created] = lifecycle("pay_2");
    expect(await harness.accept(created!)).toBe("accepted");
    expect(await harness.accept(created!)).toBe("duplicate");
    await harness.settle("pay_2");
    expect(await harness.accept(created!)).toBe("duplicate");
    await harness.settle("pay_2");
    expect(harness.inspect("pay_2").version).toBe(1);
  });

  test("an event that arrives before its predecessor is held, then released", async () => {
    harness = createActorHarness();
    const [created, authorized, captured] = lifecycle("pay_3");
    await harness.accept(captured!);
    await harness.settle("pay_3");
    expect(harness.inspect("pay_3").held.map((h) => h.id)).toEqual([captured!.id]);
    await harness.accept(created!);
    await harness.accept(authorized!);
    await harness.settle("pay_3");
    const view = harness.inspect("pay_3");
    expect(view.status).toBe("captured");
    expect(view.held).toEqual([]);
  });

  test("a held event past the hold timeout goes to the DLQ as out_of_order_timeout", async () => {
    harness = createActorHarness({ limits: { hold_timeout_ms: 60_000 } });
    const [, , captured] = lifecycle("pay_4");
    await harness.accept(captured!);
    await harness.settle("pay_4");
    harness.advance(60_001);
    await harness.settle("pay_4");
    const view = harness.inspect("pay_4");
    expect(view.held).toEqual([]);
    expect(view.dead_letters.map((d) => d.reason)).toEqual(["out_of_order_timeout"]);
  });

  test("a transient velocity failure is retried with backoff, then dead-lettered after the attempts", async () => {
    harness = createActorHarness();
    harness.velocity.unavailable = true;
    const [created, authorized] = lifecycle("pay_5");
    await harness.accept(created!);
    await harness.accept(authorized!);
    await harness.settle("pay_5");
    let view = harness.inspect("pay_5");
    expect(view.retries.map((r) => r.attempts)).toEqual([1]);
    expect(view.inbox.map((m) => m.id)).toEqual([authorized!.id]);
    harness.advance(120_000);
    await harness.settle("pay_5");
    harness.advance(120_000);
    await harness.settle("pay_5");
    view = harness.inspect("pay_5");
    expect(view.dead_letters.map((d) => [d.reason, d.stage, d.attempts])).toEqual([["retries_exhausted", "fraud", 3]]);
    // The event behind it waited, then went on: authorized applies with fraud evaluated.
    harness.velocity.unavailable = false;
    await harness.settle("pay_5");
    expect(harness.inspect("pay_5").status).toBe("authorized");
  });

  test("an operator replays a dead letter through the same path", async () => {
    harness = createActorHarness();
    harness.velocity.unavailable = true;
    const [created] = lifecycle("pay_6");
    await harness.accept(created!);
    for (let i = 0; i < 3; i += 1) {
      await harness.settle("pay_6");
      harness.advance(120_000);
    }
    expect(harness.inspect("pay_6").dead_letters.length).toBe(1);
    harness.velocity.unavailable = false;
    expect(await harness.actor("pay_6").replay(created!.id)).toBe("done");
    await harness.settle("pay_6");
    const view = harness.inspect("pay_6");
    expect(view.dead_letters).toEqual([]);
    expect(view.status).toBe("created");
    const rows = harness.sink.rows("dead_letters");
    expect(rows.map((row) => row.status)).toEqual(["pending", "replayed"]);
  });

  test("a blocked payment dead-letters money-moving events until an override", async () => {
    harness = createActorHarness();
    const fingerprint = "fp_testing";
    for (let i = 0; i < 11; i += 1) {
      const e = event("payment.created", `pay_b${i}`, { amount: 100, card: { fingerprint: `${fingerprint}${i}` }, ip: "203.0.113.9" });
      await harness.accept(e);
      await harness.settle(e.payment_id);
    }
    expect(harness.inspect("pay_b10").status).toBe("blocked");
    const authorized = event("payment.authorized", "pay_b10", { amount: 100 });
    await harness.accept(authorized);
    await harness.settle("pay_b10");
    expect(harness.inspect("pay_b10").dead_letters.map((d) => d.reason)).toEqual(["payment_blocked"]);
    await harness.actor("pay_b10").overrideFraud("allow", "known customer");
    await harness.actor("pay_b10").replay(authorized.id);
    await harness.settle("pay_b10");
    const view = harness.inspect("pay_b10");
    expect(view.status).toBe("authorized");
    expect(view.fraud?.origin).toBe("override");
    expect(view.fraud?.rules_decision).toBe("block");
  });
});

describe("events acknowledged in front of the actor and not delivered yet", () => {
  test("show in the inbox of the view, once each, also for a payment the actor has not seen", async () => {
    harness = createActorHarness();
    const [created, authorized, captured] = lifecycle("pay_undelivered");
    const accepted_at = Date.parse("2026-12-02T10:00:00Z");
    expect(harness.actor("pay_undelivered").inspect()).toBeNull();
    const unseen = harness.actor("pay_undelivered").inspect([{ event: created!, accepted_at }]);
    expect(unseen?.counts.inbox).toBe(1);
    expect(unseen?.inbox).toEqual([{ id: created!.id, type: "payment.created", accepted_at: "2026-12-02T10:00:00.000Z" }]);

    expect(await harness.accept(created!)).toBe("accepted");
    await harness.settle("pay_undelivered");
    // The created event was delivered (seen) and applied: only the two others wait.
    const view = harness.actor("pay_undelivered").inspect([created!, authorized!, captured!].map((event) => ({ event, accepted_at })));
    expect(view?.events.map((applied) => applied.id)).toEqual([created!.id]);
    expect(view?.inbox.map((waiting) => waiting.id)).toEqual([authorized!.id, captured!.id]);
    expect(view?.counts.inbox).toBe(2);
  });
});

describe("dead letters per payment are bounded", () => {
  test("a payment holding dead_letters_max dead letters refuses new events until an operator discards some", async () => {
    harness = createActorHarness({ limits: { dead_letters_max: 2 } });
    const [created, authorized] = lifecycle("pay_dl");
    await harness.accept(created!);
    await harness.settle("pay_dl");
    // Events no later event can fix: authorizations in another currency.
    const mismatched = [1, 2].map((n) => event("payment.authorized", "pay_dl", { amount: 100, currency: "EUR" }, { id: `evt_eur_${n}` }));
    for (const message of mismatched) await harness.accept(message);
    await harness.settle("pay_dl");
    expect(harness.inspect("pay_dl").dead_letters.map((letter) => letter.reason)).toEqual(["currency_mismatch", "currency_mismatch"]);
    expect(await harness.accept(authorized!)).toBe("dead_letters_full");
    expect(await harness.actor("pay_dl").discard("evt_eur_1")).toBe("done");
    expect(await harness.accept(authorized!)).toBe("accepted");
  });
});

describe("retention of finished payments", () => {
  const DAY_MS = 24 * 3_600_000;

  test("a finished payment keeps recognising its duplicates inside the retention time, and its rows go after it", async () => {
    harness = createActorHarness({ limits: { finished_retention_ms: 30 * DAY_MS } });
    const [created] = lifecycle("pay_retire");
    const canceled = event("payment.canceled", "pay_retire", {});
    expect(await harness.accept(created!)).toBe("accepted");
    expect(await harness.accept(canceled)).toBe("accepted");
    await harness.settle("pay_retire");
    expect(harness.inspect("pay_retire").status).toBe("canceled");
    // The alarm is stored for the end of the retention time (beyond the scheduler's horizon:
    // a row only, nothing held in memory), and nothing is deleted before it.
    expect(harness.database.alarms()).toEqual([{ actor: "pay_retire", at_ms: harness.now() + 30 * DAY_MS }]);
    expect(harness.system.scheduler.pending()).toBe(0);
    harness.advance(30 * DAY_MS - 1);
    await harness.settle("pay_retire");
    expect(await harness.accept(created!)).toBe("duplicate");
    harness.advance(1);
    await harness.settle("pay_retire");
    expect(harness.actor("pay_retire").inspect()).toBeNull();
    expect(harness.database.count("")).toBe(0);
    expect(harness.system.scheduler.get("pay_retire")).toBeNull();
    expect(harness.database.alarms()).toEqual([]);
  });

  test("a payment that is not finished, or holds a dead letter, keeps its rows", async () => {
    harness = createActorHarness({ limits: { finished_retention_ms: DAY_MS } });
    for (const e of lifecycle("pay_keep")) await harness.accept(e);
    const after_cancel = event("payment.captured", "pay_dead", { amount: 100, fee: 0 });
    await harness.accept(event("payment.created", "pay_dead", { amount: 100 }));
    await harness.accept(event("payment.canceled", "pay_dead", {}));
    await harness.accept(after_cancel);
    await harness.settle("pay_keep");
    await harness.settle("pay_dead");
    expect(harness.inspect("pay_dead").dead_letters.length).toBe(1);
    harness.advance(2 * DAY_MS);
    await harness.settle("pay_keep");
    await harness.settle("pay_dead");
    expect(harness.inspect("pay_keep").status).toBe("partially_refunded");
    expect(harness.inspect("pay_dead").status).toBe("canceled");
  });
});

describe("rows stored by earlier versions", () => {
  test("a state stored with its pending transfer under the old key `hold` is captured as if stored today", async () => {
    harness = createActorHarness();
    const [created, authorized, captured] = lifecycle("pay_old");
    await harness.accept(created!);
    await harness.accept(authorized!);
    await harness.settle("pay_old");
    const directory = harness.directory;
    await harness.close(false);

    const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
    const { pending_transfer, ...rest } = JSON.parse(database.get("pay_old", "state")!) as PaymentState;
    expect(pending_transfer).not.toBeNull();
    database.put("pay_old", "state", JSON.stringify({ ...rest, hold: pending_transfer }));
    await database.close();

    harness = createActorHarness({ directory });
    expect(await harness.accept(captured!)).toBe("accepted");
    await harness.settle("pay_old");
    const view = harness.inspect("pay_old");
    expect(view.status).toBe("captured");
    const posted = view.journals.at(-1)!.transfers.find((transfer) => transfer.kind === "post_pending");
    expect(posted?.pending_id).toBe(pending_transfer!.transfer_id);
    expect(posted?.pending_amount).toBe(pending_transfer!.amount);
  });

  test("a held message and a dead letter stored with their inbox message under the old key `message` are read as if stored today", async () => {
    harness = createActorHarness();
    const [created, authorized, captured] = lifecycle("pay_old_rows");
    const mismatched = event("payment.authorized", "pay_old_rows", { amount: 100, currency: "EUR" }, { id: "evt_old_eur" });
    await harness.accept(created!);
    await harness.settle("pay_old_rows");
    await harness.accept(mismatched);
    await harness.accept(captured!);
    await harness.settle("pay_old_rows");
    const directory = harness.directory;
    await harness.close(false);

    const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
    const rewritten: string[] = [];
    for (const prefix of ["held:", "dead:"]) {
      for (const { key, value } of database.list("pay_old_rows", prefix, undefined, 100)) {
        const { inbox_message, ...rest } = JSON.parse(value) as { inbox_message: unknown };
        expect(inbox_message).toBeDefined();
        database.put("pay_old_rows", key, JSON.stringify({ ...rest, message: inbox_message }));
        rewritten.push(prefix);
      }
    }
    expect(rewritten).toEqual(["held:", "dead:"]);
    await database.close();

    harness = createActorHarness({ directory });
    const before = harness.inspect("pay_old_rows");
    expect(before.held.map((held) => held.id)).toEqual([captured!.id]);
    expect(before.dead_letters.map((letter) => [letter.event_id, letter.reason, letter.event?.id])).toEqual([["evt_old_eur", "currency_mismatch", "evt_old_eur"]]);
    await harness.accept(authorized!);
    await harness.settle("pay_old_rows");
    expect(harness.inspect("pay_old_rows").status).toBe("captured");
    expect(await harness.actor("pay_old_rows").discard("evt_old_eur")).toBe("done");
    await harness.settle("pay_old_rows");
    const discarded = harness.sink.rows("dead_letters").find((row) => row.status === "discarded");
    expect(discarded?.message).toEqual(mismatched);
  });
});
