/**
 * Generators of valid payment lifecycles (DESIGN.md section 4) and of the deliveries a real
 * ingress makes of them (interleaved across payments, duplicated, reordered), plus what the
 * design says each lifecycle must leave behind: the payment's status, amounts and version,
 * and the ledger account totals of section 5, derived from the events alone.
 */
import fc from "fast-check";
import type { EventType, PaymentEvent } from "../../src/core/event.ts";
import type { Balances, TransferKind } from "../../src/core/ledger.ts";
import type { PaymentAmounts, PaymentStatus } from "../../src/core/payment.ts";
import type { ActorHarness } from "./actor-harness.ts";

export type Branch =
  | "created"
  | "authorized"
  | "failed_before_authorization"
  | "canceled_before_authorization"
  | "failed_after_authorization"
  | "canceled_after_authorization"
  | "captured";

export interface DisputePlan {
  opened: number;
  outcome: { type: "payment.dispute.won" | "payment.dispute.lost"; amount: number } | null;
}

/** One payment's lifecycle, before it is turned into events. Amounts are minor units. */
export interface LifecyclePlan {
  payment_id: string;
  currency: string;
  merchant_id: string;
  branch: Branch;
  /** Whether payment.created is part of it (authorized may come first and alone). */
  with_created: boolean;
  /** Whether every event carries its `sequence` (1, 2, ... in lifecycle order). */
  sequenced: boolean;
  authorized: number;
  captured: number;
  fee: number;
  refunds: number[];
  dispute: DisputePlan | null;
}

export interface Lifecycle {
  plan: LifecyclePlan;
  /** The events in lifecycle order. */
  events: PaymentEvent[];
}

const AMOUNT_MAX = 100_000;

export const CURRENCIES = ["USD", "EUR", "JPY"] as const;
export const MERCHANTS = ["m_1", "m_2"] as const;

/** A random valid lifecycle plan for `payment_id`; `sequenced` fixed or random. */
export function planArbitrary(payment_id: string, sequenced?: boolean): fc.Arbitrary<LifecyclePlan> {
  return fc
    .record({
      branch: fc.oneof(
        { weight: 6, arbitrary: fc.constant<Branch>("captured") },
        {
          weight: 4,
          arbitrary: fc.constantFrom<Branch>(
            "created",
            "authorized",
            "failed_before_authorization",
            "canceled_before_authorization",
            "failed_after_authorization",
            "canceled_after_authorization",
          ),
        },
      ),
      with_created: fc.boolean(),
      sequenced: sequenced === undefined ? fc.boolean() : fc.constant(sequenced),
      currency: fc.constantFrom(...CURRENCIES),
      merchant_id: fc.constantFrom(...MERCHANTS),
      authorized: fc.integer({ min: 1, max: AMOUNT_MAX }),
      capture_seed: fc.oneof(fc.constant(-1), fc.nat()),
      fee_seed: fc.oneof(fc.constant(-1), fc.nat()),
      refund_seeds: fc.array(fc.nat(), { maxLength: 3 }),
      refund_rest: fc.boolean(),
      dispute: fc.option(
        fc.record({
          opened_seed: fc.oneof(fc.constant(-1), fc.nat()),
          outcome: fc.option(fc.record({ won: fc.boolean(), seed: fc.oneof(fc.constant(-1), fc.nat()) })),
        }),
        { freq: 2 },
      ),
    })
    .map((raw): LifecyclePlan => {
      // A seed of -1 picks the maximum (a full capture, a fee equal to the capture, ...).
      const pick = (seed: number, max: number) => (seed < 0 ? max : 1 + (seed % max));
      const branch = raw.branch;
      const before_authorization = branch === "created" || branch.endsWith("_before_authorization");
      const authorized = before_authorization ? 0 : raw.authorized;
      const captures = branch === "captured";
      const captured = captures ? pick(raw.capture_seed, authorized) : 0;
      const fee = !captures ? 0 : raw.fee_seed < 0 ? 0 : raw.fee_seed % (captured + 1);
      const refunds: number[] = [];
      if (captures) {
        let remaining = captured;
        for (const seed of raw.refund_seeds) {
          if (remaining === 0) break;
          const refund = 1 + (seed % remaining);
          refunds.push(refund);
          remaining -= refund;
        }
        if (raw.refund_rest && refunds.length > 0 && remaining > 0) refunds.push(remaining);
      }
      let dispute: DisputePlan | null = null;
      if (captures && raw.dispute) {
        const opened = pick(raw.dispute.opened_seed, captured);
        const outcome = raw.dispute.outcome;
        dispute = {
          opened,
          outcome:
            outcome === null
              ? null
              : {
                  type: outcome.won ? "payment.dispute.won" : "payment.dispute.lost",
                  amount: pick(outcome.seed, opened),
                },
        };
      }
      return {
        payment_id,
        currency: raw.currency,
        merchant_id: raw.merchant_id,
        branch,
        // Nothing but payment.created can start a payment that is never authorized.
        with_created: before_authorization || raw.with_created,
        sequenced: raw.sequenced,
        authorized,
        captured,
        fee,
        refunds,
        dispute,
      };
    });
}

/** `count` plans for payments pay_0 ... pay_{count-1}. */
export function plansArbitrary(count: { min: number; max: number }, sequenced?: boolean): fc.Arbitrary<LifecyclePlan[]> {
  return fc
    .integer(count)
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, index) => planArbitrary(`pay_${index}`, sequenced))));
}

/** The plan's events in lifecycle order, with ids fixed by payment and position. */
export function lifecycleEvents(plan: LifecyclePlan): PaymentEvent[] {
  const steps: Array<[EventType, PaymentEvent["data"]]> = [];
  const identity = { currency: plan.currency, merchant_id: plan.merchant_id };
  const amount = plan.authorized > 0 ? plan.authorized : 1_000;
  if (plan.with_created) {
    steps.push(["payment.created", { ...identity, amount, customer_id: `c_${plan.payment_id}` }]);
  }
  const authorize = () => steps.push(["payment.authorized", { ...identity, amount: plan.authorized }]);
  switch (plan.branch) {
    case "created":
      break;
    case "authorized":
      authorize();
      break;
    case "failed_before_authorization":
      steps.push(["payment.failed", {}]);
      break;
    case "canceled_before_authorization":
      steps.push(["payment.canceled", {}]);
      break;
    case "failed_after_authorization":
      authorize();
      steps.push(["payment.failed", {}]);
      break;
    case "canceled_after_authorization":
      authorize();
      steps.push(["payment.canceled", { ...identity }]);
      break;
    case "captured":
      authorize();
      steps.push(["payment.captured", { ...identity, amount: plan.captured, fee: plan.fee }]);
      for (const refund of plan.refunds) steps.push(["payment.refunded", { ...identity, amount: refund }]);
      if (plan.dispute) {
        steps.push(["payment.dispute.opened", { ...identity, amount: plan.dispute.opened }]);
        const outcome = plan.dispute.outcome;
        if (outcome) steps.push([outcome.type, { ...identity, amount: outcome.amount }]);
      }
      break;
  }
  return steps.map(([type, data], index) => ({
    id: `evt_${plan.payment_id}_${index + 1}_${type.replace("payment.", "")}`,
    type,
    payment_id: plan.payment_id,
    ...(plan.sequenced ? { sequence: index + 1 } : {}),
    occurred_at: new Date(Date.parse("2026-11-21T10:00:00Z") + index * 1_000).toISOString(),
    data,
  }));
}

export function lifecycle(plan: LifecyclePlan): Lifecycle {
  return { plan, events: lifecycleEvents(plan) };
}

export interface ExpectedPayment {
  status: PaymentStatus;
  amounts: PaymentAmounts;
  version: number;
}

/** What the state machine of section 4 says the lifecycle ends in. */
export function expectedPayment(plan: LifecyclePlan): ExpectedPayment {
  const refunded = sum(plan.refunds);
  const status = ((): PaymentStatus => {
    switch (plan.branch) {
      case "created":
        return "created";
      case "authorized":
        return "authorized";
      case "failed_before_authorization":
      case "failed_after_authorization":
        return "failed";
      case "canceled_before_authorization":
      case "canceled_after_authorization":
        return "canceled";
      case "captured":
        if (plan.dispute?.outcome) return plan.dispute.outcome.type === "payment.dispute.won" ? "dispute_won" : "dispute_lost";
        if (plan.dispute) return "disputed";
        if (plan.refunds.length === 0) return "captured";
        return refunded === plan.captured ? "refunded" : "partially_refunded";
    }
  })();
  return {
    status,
    amounts: {
      authorized: plan.authorized,
      captured: plan.captured,
      refunded,
      disputed: plan.dispute?.opened ?? 0,
      fees: plan.fee,
    },
    version: lifecycleEvents(plan).length,
  };
}

/** Account totals keyed `${currency} ${account}`; accounts whose totals are all zero are left out. */
export type AccountTotals = Record<string, Balances<number>>;

/**
 * The account totals the section 5 table implies for these lifecycles, written from the
 * table in closed form (not by replaying transfers):
 *
 * - merchant payable: credits_posted = captured + won; debits_posted = fee + refunds + disputed;
 *   credits_pending = the authorization while it still holds (neither captured nor voided).
 * - psp:clearing: debits_posted = captured; credits_posted = refunds + lost;
 *   debits_pending = the open hold.
 * - revenue:fees: credits_posted = fee. psp:disputes: credits_posted = disputed;
 *   debits_posted = won + lost.
 */
export function expectedAccountTotals(plans: readonly LifecyclePlan[]): AccountTotals {
  return expectedAccountTotalsOfEvents(plans.flatMap(lifecycleEvents));
}

/** The running totals the applied events of one payment add up to. */
export interface EventTotals {
  currency: string | null;
  merchant_id: string | null;
  amounts: PaymentAmounts;
  won: number;
  lost: number;
  /** The authorized amount still held (authorized, then neither captured, failed nor canceled). */
  open_hold: number;
}

/** Adds up the events of one payment, given in the order they were applied. */
export function eventTotals(events: readonly PaymentEvent[]): EventTotals {
  const totals: EventTotals = {
    currency: null,
    merchant_id: null,
    amounts: { authorized: 0, captured: 0, refunded: 0, disputed: 0, fees: 0 },
    won: 0,
    lost: 0,
    open_hold: 0,
  };
  for (const e of events) {
    totals.currency ??= e.data.currency ?? null;
    totals.merchant_id ??= e.data.merchant_id ?? null;
    const amount = e.data.amount ?? 0;
    switch (e.type) {
      case "payment.authorized":
        totals.amounts.authorized = amount;
        totals.open_hold = amount;
        break;
      case "payment.captured":
        totals.amounts.captured += amount;
        totals.amounts.fees += e.data.fee ?? 0;
        totals.open_hold = 0;
        break;
      case "payment.failed":
      case "payment.canceled":
        totals.open_hold = 0;
        break;
      case "payment.refunded":
        totals.amounts.refunded += amount;
        break;
      case "payment.dispute.opened":
        totals.amounts.disputed += amount;
        break;
      case "payment.dispute.won":
        totals.won += amount;
        break;
      case "payment.dispute.lost":
        totals.lost += amount;
        break;
      case "payment.created":
        break;
    }
  }
  return totals;
}

/** Like expectedAccountTotals, for events that were applied (grouped by payment, in order). */
export function expectedAccountTotalsOfEvents(events: readonly PaymentEvent[]): AccountTotals {
  const totals: AccountTotals = {};
  const add = (currency: string, account: string, field: keyof Balances<number>, amount: number) => {
    const key = `${currency} ${account}`;
    totals[key] ??= { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 };
    totals[key][field] += amount;
  };
  const by_payment = new Map<string, PaymentEvent[]>();
  for (const e of events) by_payment.set(e.payment_id, [...(by_payment.get(e.payment_id) ?? []), e]);
  for (const payment_events of by_payment.values()) {
    const { currency, merchant_id, amounts, won, lost, open_hold } = eventTotals(payment_events);
    if (currency === null || merchant_id === null) continue;
    const payable = `merchant:${merchant_id}:payable`;
    add(currency, payable, "credits_posted", amounts.captured + won);
    add(currency, payable, "debits_posted", amounts.fees + amounts.refunded + amounts.disputed);
    add(currency, payable, "credits_pending", open_hold);
    add(currency, "psp:clearing", "debits_posted", amounts.captured);
    add(currency, "psp:clearing", "credits_posted", amounts.refunded + lost);
    add(currency, "psp:clearing", "debits_pending", open_hold);
    add(currency, "revenue:fees", "credits_posted", amounts.fees);
    add(currency, "psp:disputes", "credits_posted", amounts.disputed);
    add(currency, "psp:disputes", "debits_posted", won + lost);
  }
  return withoutZeroAccounts(totals);
}

/** One ledger leg as the section 5 table describes it: [event_id, kind, debit, credit, amount, pending_amount]. */
export type ExpectedLeg = [string, TransferKind, string, string, number, number];

/**
 * The legs the section 5 table posts for a lifecycle applied in order: the hold on
 * authorization; on capture the hold posted for C (its whole amount released) and a fee leg
 * only when F > 0; a void of the hold on failed/canceled after authorization, nothing before.
 */
export function expectedLegs(plan: LifecyclePlan): ExpectedLeg[] {
  const payable = `merchant:${plan.merchant_id}:payable`;
  const legs: ExpectedLeg[] = [];
  let hold = 0;
  for (const e of lifecycleEvents(plan)) {
    const amount = e.data.amount ?? 0;
    switch (e.type) {
      case "payment.created":
        break;
      case "payment.authorized":
        legs.push([`${plan.payment_id}/${e.id}`, "pending", "psp:clearing", payable, amount, 0]);
        hold = amount;
        break;
      case "payment.captured":
        legs.push([`${plan.payment_id}/${e.id}`, "post_pending", "psp:clearing", payable, amount, hold]);
        if ((e.data.fee ?? 0) > 0) legs.push([`${plan.payment_id}/${e.id}`, "posted", payable, "revenue:fees", e.data.fee!, 0]);
        hold = 0;
        break;
      case "payment.failed":
      case "payment.canceled":
        if (hold > 0) legs.push([`${plan.payment_id}/${e.id}`, "void_pending", "psp:clearing", payable, 0, hold]);
        hold = 0;
        break;
      case "payment.refunded":
        legs.push([`${plan.payment_id}/${e.id}`, "posted", payable, "psp:clearing", amount, 0]);
        break;
      case "payment.dispute.opened":
        legs.push([`${plan.payment_id}/${e.id}`, "posted", payable, "psp:disputes", amount, 0]);
        break;
      case "payment.dispute.won":
        legs.push([`${plan.payment_id}/${e.id}`, "posted", "psp:disputes", payable, amount, 0]);
        break;
      case "payment.dispute.lost":
        legs.push([`${plan.payment_id}/${e.id}`, "posted", "psp:disputes", "psp:clearing", amount, 0]);
        break;
    }
  }
  return legs;
}

/** Legs of actual transfers in the ExpectedLeg shape (the event id is the transfer id's prefix). */
export function legsOfTransfers(transfers: Iterable<Omit<LedgerLeg, "currency">>): ExpectedLeg[] {
  return [...transfers].map((t) => [
    t.transfer_id.slice(0, t.transfer_id.lastIndexOf(":")),
    t.kind,
    t.debit_account,
    t.credit_account,
    t.amount,
    t.pending_amount,
  ]);
}

export function sortedLegs(legs: ExpectedLeg[]): ExpectedLeg[] {
  return [...legs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** The fields of a transfer that the ledger totals depend on (a transfer row or a core Transfer). */
export interface LedgerLeg {
  transfer_id: string;
  debit_account: string;
  credit_account: string;
  amount: number;
  kind: TransferKind;
  pending_id: string | null;
  pending_amount: number;
  currency: string;
}

/**
 * Account totals of these transfers per currency, written from TigerBeetle's semantics:
 * posted moves posted totals; pending moves pending totals; post_pending releases the whole
 * pending amount and posts `amount`; void_pending releases the whole pending amount.
 */
export function accountTotalsByCurrency(legs: Iterable<LedgerLeg>): AccountTotals {
  const totals: AccountTotals = {};
  const entry = (currency: string, account: string) => {
    const key = `${currency} ${account}`;
    return (totals[key] ??= { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 });
  };
  for (const leg of legs) {
    const pending = leg.kind === "pending" ? leg.amount : leg.kind === "posted" ? 0 : -leg.pending_amount;
    const posted = leg.kind === "posted" || leg.kind === "post_pending" ? leg.amount : 0;
    const debit = entry(leg.currency, leg.debit_account);
    debit.debits_pending += pending;
    debit.debits_posted += posted;
    const credit = entry(leg.currency, leg.credit_account);
    credit.credits_pending += pending;
    credit.credits_posted += posted;
  }
  return withoutZeroAccounts(totals);
}

/** Per currency: [sum of debits, sum of credits], pending and posted. */
export function ledgerSidesByCurrency(totals: AccountTotals): Record<string, { pending: [number, number]; posted: [number, number] }> {
  const sides: Record<string, { pending: [number, number]; posted: [number, number] }> = {};
  for (const [key, balance] of Object.entries(totals)) {
    const currency = key.split(" ")[0]!;
    const side = (sides[currency] ??= { pending: [0, 0], posted: [0, 0] });
    side.pending[0] += balance.debits_pending;
    side.pending[1] += balance.credits_pending;
    side.posted[0] += balance.debits_posted;
    side.posted[1] += balance.credits_posted;
  }
  return sides;
}

function withoutZeroAccounts(totals: AccountTotals): AccountTotals {
  const kept: AccountTotals = {};
  for (const key of Object.keys(totals).sort()) {
    const balance = totals[key]!;
    if (Object.values(balance).some((value) => value !== 0)) kept[key] = balance;
  }
  return kept;
}

/* ------------------------------------------------------------------------------------------
 * Deliveries
 * ---------------------------------------------------------------------------------------- */

export type Step = { kind: "accept"; event: PaymentEvent } | { kind: "settle"; payment_id: string };

/**
 * Reorders an unsequenced lifecycle so that every event, when it is processed, either applies
 * or is held until it can (DESIGN.md section 4: without `sequence` that is all the design
 * promises). Two pairs of valid events are not commutative and keep lifecycle order:
 * - failed/canceled after authorized (from created, either one would end the payment first);
 * - dispute.opened after every refund (a refund cannot follow a dispute).
 * Everything else may come in any order: earlier events are held, a late created applies.
 */
export function safeUnsequencedOrder(order: readonly PaymentEvent[]): PaymentEvent[] {
  let result = [...order];
  const moveAfter = (event: PaymentEvent | undefined, predecessors: PaymentEvent[]) => {
    if (!event || predecessors.length === 0) return;
    const last = Math.max(...predecessors.map((p) => result.indexOf(p)));
    const at = result.indexOf(event);
    if (at > last) return;
    result = result.filter((e) => e !== event);
    result.splice(last, 0, event); // `last` shifted down by one after removing `event`
  };
  const ofType = (...types: EventType[]) => result.filter((e) => types.includes(e.type));
  moveAfter(ofType("payment.dispute.opened")[0], ofType("payment.refunded"));
  moveAfter(ofType("payment.failed", "payment.canceled")[0], ofType("payment.authorized"));
  return result;
}

export interface DeliveryOptions {
  /** Reorder unsequenced lifecycles freely (no safe-order repair). */
  unsafe_unsequenced?: boolean;
  duplicates_max?: number;
}

/**
 * A delivery of these lifecycles: each payment's events shuffled (unsequenced ones repaired
 * with `safeUnsequencedOrder`), some of them repeated after their first delivery, payments
 * interleaved at random, with settles (alarm runs) sprinkled in.
 */
export function deliveryArbitrary(lifecycles: readonly Lifecycle[], options: DeliveryOptions = {}): fc.Arbitrary<Step[]> {
  const perPayment = lifecycles.map(({ plan, events }) =>
    fc
      .tuple(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.tuple(fc.nat(events.length - 1), fc.nat()), { maxLength: options.duplicates_max ?? 3 }),
      )
      .map(([shuffled, duplicates]) => {
        const order = plan.sequenced || options.unsafe_unsequenced ? shuffled : safeUnsequencedOrder(shuffled);
        const delivered = [...order];
        for (const [index, offset] of duplicates) {
          const event = events[index]!;
          const first = delivered.indexOf(event);
          const at = first + 1 + (offset % (delivered.length - first));
          delivered.splice(at, 0, event);
        }
        return delivered;
      }),
  );
  return fc.tuple(...perPayment).chain((queues) => {
    const total = queues.reduce((count, queue) => count + queue.length, 0);
    return fc
      .array(fc.tuple(fc.nat(), fc.nat(3)), { minLength: total, maxLength: total })
      .map((choices) => {
        const pending = queues.map((queue) => [...queue]);
        const steps: Step[] = [];
        for (const [choice, settle] of choices) {
          const open = pending.filter((queue) => queue.length > 0);
          const event = open[choice % open.length]!.shift()!;
          steps.push({ kind: "accept", event });
          if (settle === 0) steps.push({ kind: "settle", payment_id: event.payment_id });
        }
        return steps;
      });
  });
}

/** Every event once, in lifecycle order, payment after payment. */
export function inOrderSteps(lifecycles: readonly Lifecycle[]): Step[] {
  return lifecycles.flatMap(({ events }) => events.map((event): Step => ({ kind: "accept", event })));
}

export async function deliver(harness: ActorHarness, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === "accept") {
      const outcome = await harness.accept(structuredClone(step.event));
      if (outcome === "inbox_full") throw new Error(`inbox full for ${step.event.payment_id}`);
    } else {
      await harness.settle(step.payment_id);
    }
  }
}

/**
 * Runs alarms until every payment is quiet: inbox and retries empty, outbox flushed. Alarms
 * also fire on their own (real timers), so a settle may find the run loop busy; loop until quiet.
 */
export async function settleAll(harness: ActorHarness, payment_ids: readonly string[]): Promise<void> {
  for (let round = 0; round < 100; round += 1) {
    for (const payment_id of payment_ids) await harness.settle(payment_id);
    const quiet = payment_ids.every((payment_id) => {
      const view = harness.inspect(payment_id);
      return view.inbox.length === 0 && view.retries.length === 0 && view.outbox.pending === 0;
    });
    if (quiet) return;
    await Bun.sleep(1);
  }
  throw new Error(`payments ${payment_ids.join(", ")} did not become quiet`);
}

/* ------------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------------- */

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Freezes `value` and everything reachable from it, so any write throws (modules are strict). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
