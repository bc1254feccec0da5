/**
 * Properties of the real payment actor on the Bun runtime (bun:sqlite, group commit, real
 * alarm timers): valid lifecycles of several payments, delivered interleaved, duplicated and
 * reordered, end exactly as if each event had been delivered once, in order (DESIGN.md
 * sections 3 to 5). Every case runs in fresh harnesses: one for the delivery under test, one
 * for the in-order reference.
 *
 * Without `sequence` the design promises order-insensitivity only for orders in which every
 * event either applies or is held until it can (see safeUnsequencedOrder); a free reordering
 * may legitimately dead-letter events, so it is checked only for what must hold anyway.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { emptySinkRows, type SinkRows } from "../../src/core/postgres-rows.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import type { PaymentAmounts } from "../../src/core/payment.ts";
import { createActorHarness, type ActorHarness } from "../support/actor-harness.ts";
import type { RecordingSink } from "../support/recording-sink.ts";
import {
  accountTotalsByCurrency,
  deliver,
  deliveryArbitrary,
  eventTotals,
  expectedAccountTotals,
  expectedAccountTotalsOfEvents,
  expectedLegs,
  expectedPayment,
  inOrderSteps,
  ledgerSidesByCurrency,
  legsOfTransfers,
  lifecycle,
  plansArbitrary,
  settleAll,
  sortedLegs,
  type Lifecycle,
  type Step,
} from "../support/lifecycles.ts";

const NUM_RUNS = 60;
const TIMEOUT_MS = 60_000;

interface Outcome {
  payments: Record<
    string,
    {
      status: string | null;
      amounts: PaymentAmounts;
      version: number;
      sequence_next: number;
      applied: string[];
      held: string[];
      dead_letters: Array<[string, string]>;
    }
  >;
  /** [transfer_id, kind, debit, credit, amount, pending_id, pending_amount, currency], sorted. */
  transfers: Array<[string, string, string, string, number, string | null, number, string]>;
  legs: ReturnType<typeof legsOfTransfers>;
  /** Journals as flushed, one entry per journal row: [journal_id, currency], sorted. */
  journals: Array<[string, string]>;
  sink_event_ids: string[];
  /** The latest payments projection row flushed for each payment. */
  projections: Record<string, { status: string; version: number; amounts: number[] }>;
  totals: ReturnType<typeof accountTotalsByCurrency>;
}

async function run(lifecycles: readonly Lifecycle[], steps: readonly Step[]): Promise<Outcome> {
  const harness = createActorHarness();
  try {
    await deliver(harness, steps);
    const ids = lifecycles.map(({ plan }) => plan.payment_id);
    await settleAll(harness, ids);
    return outcomeOf(harness, ids, sinkRowsOf([harness.sink]));
  } finally {
    await harness.close();
  }
}

function sinkRowsOf(sinks: readonly RecordingSink[]): SinkRows {
  const rows = emptySinkRows();
  for (const sink of sinks) {
    for (const table of Object.keys(rows) as Array<keyof SinkRows>) (rows[table] as unknown[]).push(...sink.rows(table));
  }
  return rows;
}

function outcomeOf(harness: ActorHarness, payment_ids: readonly string[], rows: SinkRows): Outcome {
  const payments: Outcome["payments"] = {};
  for (const payment_id of payment_ids) {
    const view = harness.inspect(payment_id);
    payments[payment_id] = {
      status: view.status,
      amounts: view.amounts,
      version: view.version,
      sequence_next: view.sequence_next,
      applied: view.events.map((e) => e.id),
      held: view.held.map((h) => h.id),
      dead_letters: view.dead_letters.map((d) => [d.event_id, d.reason]),
    };
  }
  const transfer_rows = rows.ledger_transfers;
  const projections: Outcome["projections"] = {};
  const revisions: Record<string, number> = {};
  for (const row of rows.payments) {
    if ((revisions[row.payment_id] ?? -1) >= row.revision) continue;
    revisions[row.payment_id] = row.revision;
    projections[row.payment_id] = {
      status: row.status,
      version: row.version,
      amounts: [row.amount_authorized, row.amount_captured, row.amount_refunded, row.amount_disputed, row.amount_fees],
    };
  }
  return {
    payments,
    transfers: transfer_rows
      .map((t): Outcome["transfers"][number] => [
        t.transfer_id,
        t.kind,
        t.debit_account,
        t.credit_account,
        t.amount,
        t.pending_id,
        t.pending_amount,
        t.currency,
      ])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    legs: sortedLegs(legsOfTransfers(transfer_rows)),
    journals: rows.ledger_journals
      .map((j): [string, string] => [j.journal_id, j.currency])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    sink_event_ids: rows.payment_events.map((e) => e.event_id),
    projections,
    totals: accountTotalsByCurrency(transfer_rows),
  };
}

/** What holds for every delivery, valid order or not. */
function expectInvariants(lifecycles: readonly Lifecycle[], outcome: Outcome) {
  // (b) every journal balances per currency, pending and posted: debits equal credits.
  for (const [currency, side] of Object.entries(ledgerSidesByCurrency(outcome.totals))) {
    expect([currency, side.pending[0], side.posted[0]]).toEqual([currency, side.pending[1], side.posted[1]]);
  }
  // Transfer ids and journal ids are flushed once each; each transfer's currency is its journal's.
  for (const [, kind, , , amount] of outcome.legs) if (kind === "posted" || kind === "pending") expect(amount).toBeGreaterThan(0);
  const transfer_ids = outcome.transfers.map((t) => t[0]);
  expect(new Set(transfer_ids).size).toBe(transfer_ids.length);
  const journal_ids = outcome.journals.map((j) => j[0]);
  expect(new Set(journal_ids).size).toBe(journal_ids.length);
  const currency_of_journal = new Map(outcome.journals);
  for (const t of outcome.transfers) expect(currency_of_journal.get(t[0].slice(0, t[0].lastIndexOf(":")))).toBe(t[7]);

  // (d) each event id is applied at most once, in the actor and in the sink.
  expect(new Set(outcome.sink_event_ids).size).toBe(outcome.sink_event_ids.length);
  const by_id = new Map(lifecycles.flatMap(({ events }) => events.map((e): [string, PaymentEvent] => [e.id, e])));
  const applied_events: PaymentEvent[] = [];
  for (const { plan, events } of lifecycles) {
    const payment = outcome.payments[plan.payment_id]!;
    expect(new Set(payment.applied).size).toBe(payment.applied.length);
    // Every event delivered was applied, is held, or is a dead letter: none lost, none twice.
    const accounted = [...payment.applied, ...payment.held, ...payment.dead_letters.map(([id]) => id)];
    expect([...accounted].sort()).toEqual(events.map((e) => e.id).sort());
    // The version counts applied events; the sink saw exactly the applied events.
    expect(payment.version).toBe(payment.applied.length);
    expect(outcome.sink_event_ids.filter((id) => id.startsWith(`evt_${plan.payment_id}_`)).sort()).toEqual(
      [...payment.applied].sort(),
    );
    // The amounts are the running totals of the events applied.
    const applied = payment.applied.map((id) => by_id.get(id)!);
    expect(payment.amounts).toEqual(eventTotals(applied).amounts);
    applied_events.push(...applied);
    // The last projection flushed to the sink is the actor's state.
    const projection = outcome.projections[plan.payment_id];
    if (payment.version > 0) {
      const a = payment.amounts;
      expect(projection).toEqual({
        status: payment.status!,
        version: payment.version,
        amounts: [a.authorized, a.captured, a.refunded, a.disputed, a.fees],
      });
    }
  }
  // (c) account totals are what the applied events imply through the section 5 table.
  expect(outcome.totals).toEqual(expectedAccountTotalsOfEvents(applied_events));
}

/** What a valid lifecycle delivered in a promised-safe order must end in. */
function expectAsDesigned(lifecycles: readonly Lifecycle[], outcome: Outcome) {
  for (const { plan, events } of lifecycles) {
    const payment = outcome.payments[plan.payment_id]!;
    const expected = expectedPayment(plan);
    expect({ payment_id: plan.payment_id, status: payment.status, amounts: payment.amounts, version: payment.version }).toEqual({
      payment_id: plan.payment_id,
      ...expected,
    });
    // No dead letters and nothing left waiting: every event applied once.
    expect(payment.dead_letters).toEqual([]);
    expect(payment.held).toEqual([]);
    expect([...payment.applied].sort()).toEqual(events.map((e) => e.id).sort());
    if (plan.sequenced) {
      // Applied in sequence order, whatever the delivery order.
      expect(payment.applied).toEqual(events.map((e) => e.id));
      expect(payment.sequence_next).toBe(events.length + 1);
    }
  }
  expect(outcome.totals).toEqual(expectedAccountTotals(lifecycles.map(({ plan }) => plan)));
  expect(outcome.legs).toEqual(sortedLegs(lifecycles.flatMap(({ plan }) => expectedLegs(plan))));
}

/** (a): the delivery ends exactly where the in-order, once-only delivery does. */
function expectSameAsInOrder(outcome: Outcome, reference: Outcome) {
  for (const [payment_id, payment] of Object.entries(reference.payments)) {
    const actual = outcome.payments[payment_id]!;
    expect({ payment_id, status: actual.status, amounts: actual.amounts, version: actual.version }).toEqual({
      payment_id,
      status: payment.status,
      amounts: payment.amounts,
      version: payment.version,
    });
  }
  expect(outcome.transfers).toEqual(reference.transfers);
  expect(outcome.journals).toEqual(reference.journals);
  expect(outcome.totals).toEqual(reference.totals);
  expect([...outcome.sink_event_ids].sort()).toEqual([...reference.sink_event_ids].sort());
  expect(outcome.projections).toEqual(reference.projections);
}

/** Lifecycles and a delivery of them, for `count` payments. */
function casesArbitrary(sequenced: boolean | undefined, options: Parameters<typeof deliveryArbitrary>[1] = {}) {
  return plansArbitrary({ min: 1, max: 4 }, sequenced).chain((plans) => {
    const lifecycles = plans.map(lifecycle);
    return fc.tuple(fc.constant(lifecycles), deliveryArbitrary(lifecycles, options));
  });
}

async function checkPromisedOrder([lifecycles, steps]: [Lifecycle[], Step[]]) {
  const reference = await run(lifecycles, inOrderSteps(lifecycles));
  expectInvariants(lifecycles, reference);
  expectAsDesigned(lifecycles, reference);
  const outcome = await run(lifecycles, steps);
  expectInvariants(lifecycles, outcome);
  expectAsDesigned(lifecycles, outcome);
  expectSameAsInOrder(outcome, reference);
}

describe("payment actor on the Bun runtime: delivery order and duplicates change nothing (property)", () => {
  test(
    "with sequence: any interleaving, reordering and duplication ends as the in-order delivery, with no dead letters",
    async () => {
      await fc.assert(fc.asyncProperty(casesArbitrary(true), checkPromisedOrder), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );

  test(
    "without sequence: orders where each event applies or waits end as the in-order delivery, with no dead letters",
    async () => {
      await fc.assert(fc.asyncProperty(casesArbitrary(false), checkPromisedOrder), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );

  test(
    "sequenced and unsequenced payments mixed in one actor system end as the in-order delivery",
    async () => {
      await fc.assert(fc.asyncProperty(casesArbitrary(undefined), checkPromisedOrder), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );

  test(
    "without sequence, any order: nothing is lost or applied twice, and the ledger balances and matches what was applied",
    async () => {
      await fc.assert(
        fc.asyncProperty(casesArbitrary(false, { unsafe_unsequenced: true }), async ([lifecycles, steps]) => {
          const outcome = await run(lifecycles, steps);
          expectInvariants(lifecycles, outcome);
          for (const { plan } of lifecycles) {
            for (const [event_id, reason] of outcome.payments[plan.payment_id]!.dead_letters) {
              // Only order can go wrong here, never an amount (refunds and disputes stay within bounds).
              expect([event_id, reason]).toEqual([event_id, "invalid_transition"]);
            }
          }
        }),
        { numRuns: NUM_RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
