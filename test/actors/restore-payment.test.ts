/**
 * Recovery's replay against the real payment actor as the oracle: random lifecycles,
 * delivered reordered and duplicated (so events are held, dead-lettered, and use their
 * sequence slots), with operator overrides and dead-letter replays at random moments, run
 * through the actor on the Bun runtime; then only what reached Postgres (the flushed sink
 * rows, merged as the writer merges them) is replayed (src/core/replay-payment.ts) and
 * restored into a fresh actor database (actors/payment/restore-payment.ts). The restored
 * actor must answer inspection exactly as the original, and the replay must find no
 * disagreement. A projection that disagrees is reported.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { BunActorStorage } from "../../actors/bun/bun-actor-storage.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../actors/payment/limits.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import { restorePayment } from "../../actors/payment/restore-payment.ts";
import { PermanentError } from "../../src/core/errors.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import type { FraudRuleSet } from "../../src/core/fraud/rules.ts";
import type { FraudDecision } from "../../src/core/payment.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";
import { replayPayment, type RecordedJournal, type RecordedPayment } from "../../src/core/replay-payment.ts";
import { createActorHarness, type ActorHarness } from "../support/actor-harness.ts";
import { deliveryArbitrary, lifecycle, plansArbitrary, settleAll, type Lifecycle, type Step } from "../support/lifecycles.ts";
import { lifecycle as lifecycleEvents } from "../support/events.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { NO_METRICS } from "../support/no-metrics.ts";
import type { RecordingSink } from "../support/recording-sink.ts";

const NUM_RUNS = Number(process.env.RESTORE_RUNS ?? 40);
const TIMEOUT_MS = 120_000;
/** Payments of this authorized amount are blocked by the rules below. */
const BLOCKED_AMOUNT_MIN = 90_000;
const FRAUD_RULES: FraudRuleSet = {
  ...DEFAULT_FRAUD_RULES,
  rules: [...DEFAULT_FRAUD_RULES.rules, { id: "test_block", when: { attribute: "amount", op: ">=", value: BLOCKED_AMOUNT_MIN }, action: "block", mode: "enforce" }],
};

/** What Postgres holds after the writer merged every flushed batch (src/sink/writer.ts). */
function recordedPayments(sink: RecordingSink): Map<string, RecordedPayment> {
  const records = new Map<string, RecordedPayment & { journals: Map<string, RecordedJournal> }>();
  const of = (payment_id: string) => {
    let record = records.get(payment_id);
    if (!record) {
      record = { payment_id, projection: null, events: [], journals: new Map(), fraud_decisions: [], dead_letters: [] };
      records.set(payment_id, record);
    }
    return record;
  };
  const firstBy = <K extends keyof SinkRows>(table: K, key: (row: SinkRows[K][number]) => string) => {
    const kept = new Map<string, SinkRows[K][number]>();
    for (const row of sink.rows(table) as Array<SinkRows[K][number]>) if (!kept.has(key(row))) kept.set(key(row), row);
    return [...kept.values()];
  };
  for (const row of sink.rows("payments")) {
    const record = of(row.payment_id);
    if (record.projection === null || row.revision > record.projection.revision) record.projection = row;
  }
  for (const row of firstBy("payment_events", (row) => `${row.payment_id}/${row.event_id}`)) of(row.payment_id).events.push(row);
  for (const row of firstBy("ledger_journals", (row) => row.journal_id)) {
    of(row.payment_id).journals.set(row.journal_id, { journal_id: row.journal_id, currency: row.currency, created_at: row.created_at, transfers: [] });
  }
  for (const row of firstBy("ledger_transfers", (row) => row.transfer_id)) {
    const { journal_id, payment_id, currency: _currency, created_at: _created_at, ...transfer } = row;
    of(payment_id).journals.get(journal_id)!.transfers.push(transfer);
  }
  for (const row of firstBy("fraud_decisions", (row) => row.decision_id)) of(row.payment_id).fraud_decisions.push(row);
  const letters = new Map<string, SinkRows["dead_letters"][number]>();
  for (const row of sink.rows("dead_letters")) {
    const key = `${row.payment_id}/${row.event_id}`;
    if ((letters.get(key)?.version ?? -1) < row.version) letters.set(key, row);
  }
  for (const row of letters.values()) of(row.payment_id).dead_letters.push(row);
  // Postgres returns rows in no particular order; the replay must not depend on it.
  for (const record of records.values()) record.events.reverse();
  return records;
}

type Operation = { kind: "override"; payment: number; decision: FraudDecision } | { kind: "replay_all"; payment: number } | { kind: "wait_ms"; ms: number };

const operationArbitrary = fc.oneof(
  fc.record({ kind: fc.constant("override" as const), payment: fc.nat(3), decision: fc.constantFrom<FraudDecision>("allow", "block", "review") }),
  fc.record({ kind: fc.constant("replay_all" as const), payment: fc.nat(3) }),
  // Past the hold timeout now and then: held events time out into the dead letters.
  fc.record({ kind: fc.constant("wait_ms" as const), ms: fc.constantFrom(0, 1, 2, DEFAULT_PAYMENT_ACTOR_LIMITS.hold_timeout_ms + 1) }),
);

async function operate(harness: ActorHarness, payment_ids: readonly string[], operation: Operation): Promise<void> {
  if (operation.kind === "wait_ms") {
    harness.advance(operation.ms);
    return;
  }
  harness.advance(1);
  const payment_id = payment_ids[operation.payment % payment_ids.length]!;
  const actor = harness.actor(payment_id);
  if (operation.kind === "override") {
    await actor.overrideFraud(operation.decision, `test ${operation.decision}`);
  } else {
    for (const letter of actor.inspect()?.dead_letters ?? []) await actor.replay(letter.event_id);
  }
  await harness.settle(payment_id);
}

async function runThenRestore(lifecycles: readonly Lifecycle[], steps: readonly Step[], operations: readonly Operation[]): Promise<void> {
  const harness = createActorHarness({ fraud_rules: FRAUD_RULES });
  const payment_ids = lifecycles.map(({ plan }) => plan.payment_id);
  const directory = mkdtempSync(join(tmpdir(), "restore-test-"));
  try {
    let next_operation = 0;
    for (const [index, step] of steps.entries()) {
      // Recorded times are all that orders an operator's override against the events around
      // it, so the clock moves between steps, as a real one does between an HTTP call and the next.
      harness.advance(1);
      if (step.kind === "accept") await harness.accept(structuredClone(step.event));
      else await harness.settle(step.payment_id);
      // Operations land between deliveries, spread over the stream.
      while (next_operation < operations.length && next_operation * steps.length <= index * operations.length) {
        await operate(harness, payment_ids, operations[next_operation++]!);
      }
    }
    for (; next_operation < operations.length; next_operation += 1) await operate(harness, payment_ids, operations[next_operation]!);
    await settleAll(harness, payment_ids);
    // Held events wait for what never comes: time them out, so the stream ends with nothing Postgres lacks.
    harness.advance(DEFAULT_PAYMENT_ACTOR_LIMITS.hold_timeout_ms + 1);
    await settleAll(harness, payment_ids);

    const records = recordedPayments(harness.sink);
    const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
    const restored = new BunActorSystem(
      database,
      (context) =>
        new PaymentActor(context, { velocity: new MemoryVelocityStore(), sink: { write: async () => {} }, fraud_rules: FRAUD_RULES, limits: DEFAULT_PAYMENT_ACTOR_LIMITS, metrics: NO_METRICS, random: () => 0.5 }),
      harness.now,
    );
    try {
      for (const payment_id of payment_ids) {
        const original = harness.inspect(payment_id);
        const record = records.get(payment_id)!;
        const replayed = replayPayment(record);
        expect({ payment_id, mismatches: replayed.mismatches }).toEqual({ payment_id, mismatches: [] });
        restorePayment(new BunActorStorage(database, payment_id), record, replayed);
        expect(restored.get(payment_id).inspect()).toEqual(original);
      }
    } finally {
      await restored.stop();
      await database.close();
    }
  } finally {
    await harness.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

describe("recovery's replay of what Postgres holds rebuilds the actor exactly", () => {
  test(
    "reordered, duplicated lifecycles with overrides, replays and timeouts inspect the same after restore",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          plansArbitrary({ min: 1, max: 3 })
            .chain((plans) => {
              const lifecycles = plans.map(lifecycle);
              return fc.tuple(fc.constant(lifecycles), deliveryArbitrary(lifecycles, { unsafe_unsequenced: true, duplicates_max: 2 }));
            })
            .chain(([lifecycles, steps]) => fc.tuple(fc.constant(lifecycles), fc.constant(steps), fc.array(operationArbitrary, { maxLength: 6 }))),
          async ([lifecycles, steps, operations]) => runThenRestore(lifecycles, steps, operations),
        ),
        { numRuns: NUM_RUNS },
      );
    },
    TIMEOUT_MS,
  );

  test("an event whose rows Postgres refused (a sink dead letter) is applied again in its place, and its replay writes its rows", async () => {
    const harness = createActorHarness({ fraud_rules: FRAUD_RULES });
    const directory = mkdtempSync(join(tmpdir(), "restore-sink-"));
    const payment_id = "pay_sink_refused";
    const [created, authorized, captured, refunded] = lifecycleEvents(payment_id);
    const write = harness.sink.write.bind(harness.sink);
    harness.sink.write = async (rows) => {
      if (rows.payment_events.some((row) => row.event_id === captured!.id)) throw new PermanentError("SQLSTATE 23514: new row violates check constraint (test)");
      return write(rows);
    };
    try {
      for (const event of [created!, authorized!, captured!, refunded!]) {
        harness.advance(1);
        await harness.accept(event);
        await harness.settle(payment_id);
      }
      await settleAll(harness, [payment_id]);
      const original = harness.inspect(payment_id);
      expect(original).toMatchObject({ status: "partially_refunded", version: 4, dead_letters: [{ event_id: captured!.id, reason: "sink_write_refused" }] });
      const record = recordedPayments(harness.sink).get(payment_id)!;
      expect(record.events.map((row) => row.version).sort()).toEqual([1, 2, 4]);

      const replayed = replayPayment(record);
      expect(replayed.mismatches).toEqual([]);
      expect(replayed.events.map((event) => [event.row.event_id, event.from_sink_dead_letter])).toEqual([
        [created!.id, false], [authorized!.id, false], [captured!.id, true], [refunded!.id, false],
      ]);
      const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
      const system = new BunActorSystem(database, (context) => new PaymentActor(context, { velocity: new MemoryVelocityStore(), sink: harness.sink, fraud_rules: FRAUD_RULES, limits: DEFAULT_PAYMENT_ACTOR_LIMITS, metrics: NO_METRICS, random: () => 0.5 }), harness.now);
      try {
        restorePayment(new BunActorStorage(database, payment_id), record, replayed);
        expect(system.get(payment_id).inspect()).toEqual(original);
        // After the fix, the replay writes the refused rows.
        harness.sink.write = write;
        expect(await system.get(payment_id).replay(captured!.id)).toBe("done");
        await system.get(payment_id).alarm();
        expect(harness.sink.rows("payment_events").filter((row) => row.event_id === captured!.id)).toHaveLength(1);
        expect(system.get(payment_id).inspect()).toMatchObject({ version: 4, dead_letters: [], outbox: { pending: 0 } });
      } finally {
        await system.stop();
        await database.close();
      }
    } finally {
      await harness.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("a finished payment is woken when its retirement is due: it retires then, at once when overdue", async () => {
    const harness = createActorHarness({ fraud_rules: FRAUD_RULES });
    const directory = mkdtempSync(join(tmpdir(), "restore-retire-"));
    const payment_ids = ["pay_finished_recent", "pay_finished_long_ago"];
    try {
      for (const payment_id of payment_ids) {
        const [created, authorized] = lifecycleEvents(payment_id);
        const canceled = { id: `evt_${payment_id}_canceled`, type: "payment.canceled" as const, payment_id, occurred_at: created!.occurred_at, data: {} };
        for (const event of [created!, authorized!, canceled]) await harness.accept(event);
        await settleAll(harness, [payment_id]);
      }
      const records = recordedPayments(harness.sink);
      const retention_ms = DEFAULT_PAYMENT_ACTOR_LIMITS.finished_retention_ms;
      // As if its last change were longer ago than the retention.
      records.get("pay_finished_long_ago")!.projection!.updated_at = harness.now() - retention_ms - 1;
      const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
      const system = new BunActorSystem(database, (context) => new PaymentActor(context, { velocity: new MemoryVelocityStore(), sink: harness.sink, fraud_rules: FRAUD_RULES, limits: DEFAULT_PAYMENT_ACTOR_LIMITS, metrics: NO_METRICS, random: () => 0.5 }), harness.now);
      try {
        for (const payment_id of payment_ids) {
          const record = records.get(payment_id)!;
          expect(restorePayment(new BunActorStorage(database, payment_id), record, replayPayment(record)).finished_at).toBe(record.projection!.updated_at);
          await system.get(payment_id).alarm();
        }
        expect(system.get("pay_finished_long_ago").inspect()).toBeNull();
        expect(system.get("pay_finished_recent").inspect()).toMatchObject({ status: "canceled" });
        expect(system.scheduler.get("pay_finished_recent")).toBe(records.get("pay_finished_recent")!.projection!.updated_at + retention_ms);
      } finally {
        await system.stop();
        await database.close();
      }
    } finally {
      await harness.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("a projection that disagrees with the replayed events is reported, not trusted", () => {
    const payment_id = "pay_mismatch";
    const created = { id: "evt_1", type: "payment.created" as const, payment_id, occurred_at: "2026-11-21T10:00:00Z", data: { amount: 500, currency: "USD", merchant_id: "m_1" } };
    const record: RecordedPayment = {
      payment_id,
      projection: {
        payment_id, status: "authorized", currency: "USD", merchant_id: "m_1", customer_id: null,
        amount_authorized: 500, amount_captured: 0, amount_refunded: 0, amount_disputed: 0, amount_fees: 0,
        fraud_decision: "allow", version: 2, revision: 2, updated_at: 1_000,
      },
      events: [{ event_id: "evt_1", payment_id, type: created.type, sequence: null, occurred_at: 0, applied_at: 1_000, version: 1, source: { kind: "webhook", source: "dev", webhook_id: "w1" }, event: created }],
      journals: new Map(),
      fraud_decisions: [{
        decision_id: `${payment_id}/fraud/1`, payment_id, event_id: "evt_1", decision: "allow", score: 0, rules_fired: [], shadow_rules_fired: [],
        attributes: {}, origin: "rules", note: null, decided_at: 1_000, degraded: false, degraded_reason: null,
      }],
      dead_letters: [],
    };
    const replayed = replayPayment(record);
    expect(replayed.state).toMatchObject({ status: "created", version: 1 });
    expect(replayed.mismatches).toEqual([
      `payment ${payment_id}: status: replay "created", projection "authorized"; amount_authorized: replay 0, projection 500; version: replay 1, projection 2`,
    ]);
  });
});
