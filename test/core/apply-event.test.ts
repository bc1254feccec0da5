/**
 * decideEvent (src/core/apply-event.ts): what each event does to a payment's state and which
 * journal it posts (DESIGN.md sections 4 and 5), and why an event is held or rejected.
 *
 * Every call goes through `decide`, which deep-freezes the state and the event first: a
 * write to either throws, so every test here also checks that decideEvent never mutates
 * its input.
 */
import { describe, expect, test } from "bun:test";
import { decideEvent, type Decision, type DecideOptions } from "../../src/core/apply-event.ts";
import type { RejectReason } from "../../src/core/dead-letters.ts";
import { EVENT_TYPES, MONEY_MOVING_TYPES, type EventType, type PaymentEvent } from "../../src/core/event.ts";
import type { Journal, Transfer } from "../../src/core/ledger.ts";
import { initialPaymentState, type FraudState, type PaymentState } from "../../src/core/payment.ts";
import { withFraudDecision, withFraudOverride } from "../../src/core/payment-fraud.ts";
import { event } from "../support/events.ts";
import { deepFreeze } from "../support/lifecycles.ts";

const P = "pay_ae";
const PAYABLE = "merchant:m_1:payable";

function decide(state: PaymentState, e: PaymentEvent, options?: DecideOptions): Decision {
  const frozen_state = deepFreeze(structuredClone(state));
  const frozen_event = deepFreeze(structuredClone(e));
  const before = structuredClone(frozen_state);
  const decision = decideEvent(frozen_state, frozen_event, options);
  expect(frozen_state).toEqual(before);
  return decision;
}

function apply(state: PaymentState, e: PaymentEvent, options?: DecideOptions): { state: PaymentState; journal: Journal | null } {
  const decision = decide(state, e, options);
  if (decision.kind !== "apply") throw new Error(`${e.type} (${e.id}) did not apply: ${JSON.stringify(decision)}`);
  return { state: decision.state, journal: decision.journal };
}

/** Applies events one after the other; every one must apply. */
function applyAll(events: PaymentEvent[], start: PaymentState = initialPaymentState(P)) {
  let state = start;
  const journals: Array<Journal | null> = [];
  for (const e of events) {
    const result = apply(state, e);
    state = result.state;
    journals.push(result.journal);
  }
  return { state, journals };
}

function expectReject(decision: Decision, reason: RejectReason) {
  expect(decision.kind).toBe("reject");
  if (decision.kind === "reject") {
    expect(decision.reason).toBe(reason);
    expect(decision.message.length).toBeGreaterThan(0);
  }
}

const created = () => event("payment.created", P, { amount: 5000, customer_id: "c_1" });
const authorized = (amount = 5000) => event("payment.authorized", P, { amount });
const captured = (amount = 4000, fee?: number) =>
  event("payment.captured", P, fee === undefined ? { amount } : { amount, fee });
const refunded = (amount: number) => event("payment.refunded", P, { amount });
const disputeOpened = (amount: number) => event("payment.dispute.opened", P, { amount });

function authorizedState(amount = 5000) {
  return applyAll([created(), authorized(amount)]);
}

function capturedState(capture = 4000, fee = 100) {
  const before = authorizedState();
  const capture_event = captured(capture, fee);
  const result = apply(before.state, capture_event);
  return { state: result.state, hold_id: before.state.pending_transfer!.transfer_id };
}

const BLOCK: FraudState = {
  decision: "block",
  score: 90,
  rules_fired: ["card_testing"],
  shadow_rules_fired: [],
  attributes: {},
  origin: "rules",
  note: null,
  decided_at: "2026-11-21T10:00:00.000Z",
  rules_decision: null,
};

describe("valid transitions: state and journal (DESIGN.md sections 4 and 5)", () => {
  test("payment.created creates the payment with its identity and posts nothing", () => {
    const e = created();
    const { state, journal } = apply(initialPaymentState(P), e);
    expect(state.status).toBe("created");
    expect(state.currency).toBe("USD");
    expect(state.merchant_id).toBe("m_1");
    expect(state.customer_id).toBe("c_1");
    expect(state.amounts).toEqual({ authorized: 0, captured: 0, refunded: 0, disputed: 0, fees: 0 });
    expect(state.pending_transfer).toBeNull();
    expect(state.version).toBe(1);
    expect(journal).toBeNull();
  });

  for (const from of ["none", "created"] as const) {
    test(`payment.authorized A from ${from} posts a pending transfer psp:clearing -> merchant payable of A (the hold)`, () => {
      const start = from === "none" ? initialPaymentState(P) : apply(initialPaymentState(P), created()).state;
      const e = authorized(5000);
      const { state, journal } = apply(start, e);
      expect(state.status).toBe("authorized");
      expect(state.amounts.authorized).toBe(5000);
      expect(state.version).toBe(start.version + 1);
      const hold: Transfer = {
        transfer_id: `${P}/${e.id}:hold`,
        debit_account: "psp:clearing",
        credit_account: PAYABLE,
        amount: 5000,
        kind: "pending",
        pending_id: null,
        pending_amount: 0,
      };
      expect(journal).toEqual({ journal_id: `${P}/${e.id}`, currency: "USD", transfers: [hold] });
      expect(state.pending_transfer).toEqual({ transfer_id: hold.transfer_id, amount: 5000 });
    });
  }

  test("payment.captured C with fee F posts the hold for C (voiding the rest), then merchant payable -> revenue:fees F", () => {
    const { state: before } = authorizedState(5000);
    const hold_id = before.pending_transfer!.transfer_id;
    const e = captured(4000, 120);
    const { state, journal } = apply(before, e);
    expect(state.status).toBe("captured");
    expect(state.amounts).toEqual({ authorized: 5000, captured: 4000, refunded: 0, disputed: 0, fees: 120 });
    expect(state.pending_transfer).toBeNull();
    expect(state.version).toBe(before.version + 1);
    expect(journal).toEqual({
      journal_id: `${P}/${e.id}`,
      currency: "USD",
      transfers: [
        {
          transfer_id: `${P}/${e.id}:post`,
          debit_account: "psp:clearing",
          credit_account: PAYABLE,
          amount: 4000,
          kind: "post_pending",
          pending_id: hold_id,
          // The whole hold is released; 4000 of it is posted, the other 1000 voided.
          pending_amount: 5000,
        },
        {
          transfer_id: `${P}/${e.id}:fee`,
          debit_account: PAYABLE,
          credit_account: "revenue:fees",
          amount: 120,
          kind: "posted",
          pending_id: null,
          pending_amount: 0,
        },
      ],
    });
  });

  for (const fee of [0, undefined]) {
    test(`payment.captured with fee ${fee} posts no fee leg`, () => {
      const { state: before } = authorizedState(5000);
      const e = captured(5000, fee);
      const { state, journal } = apply(before, e);
      expect(state.amounts.captured).toBe(5000);
      expect(state.amounts.fees).toBe(0);
      expect(journal!.transfers.map((t) => [t.transfer_id, t.kind, t.amount, t.pending_amount])).toEqual([
        [`${P}/${e.id}:post`, "post_pending", 5000, 5000],
      ]);
    });
  }

  test("payment.captured for exactly the authorized amount applies", () => {
    const { state: before } = authorizedState(5000);
    expect(apply(before, captured(5000, 5000)).state.amounts).toMatchObject({ captured: 5000, fees: 5000 });
  });

  for (const type of ["payment.failed", "payment.canceled"] as const) {
    const to = type === "payment.failed" ? "failed" : "canceled";

    test(`${type} after authorization voids the hold`, () => {
      const { state: before } = authorizedState(5000);
      const e = event(type, P);
      const { state, journal } = apply(before, e);
      expect(state.status).toBe(to);
      expect(state.pending_transfer).toBeNull();
      expect(state.amounts.authorized).toBe(5000);
      expect(state.version).toBe(before.version + 1);
      expect(journal).toEqual({
        journal_id: `${P}/${e.id}`,
        currency: "USD",
        transfers: [
          {
            transfer_id: `${P}/${e.id}:void`,
            debit_account: "psp:clearing",
            credit_account: PAYABLE,
            amount: 0,
            kind: "void_pending",
            pending_id: before.pending_transfer!.transfer_id,
            pending_amount: 5000,
          },
        ],
      });
    });

    test(`${type} before authorization posts nothing`, () => {
      const before = apply(initialPaymentState(P), created()).state;
      const { state, journal } = apply(before, event(type, P));
      expect(state.status).toBe(to);
      expect(journal).toBeNull();
      expect(state.version).toBe(2);
    });
  }

  test("a partial refund R posts merchant payable -> psp:clearing R and leaves the payment partially_refunded", () => {
    const { state: before } = capturedState(4000);
    const e = refunded(1000);
    const { state, journal } = apply(before, e);
    expect(state.status).toBe("partially_refunded");
    expect(state.amounts.refunded).toBe(1000);
    expect(journal).toEqual({
      journal_id: `${P}/${e.id}`,
      currency: "USD",
      transfers: [
        {
          transfer_id: `${P}/${e.id}:refund`,
          debit_account: PAYABLE,
          credit_account: "psp:clearing",
          amount: 1000,
          kind: "posted",
          pending_id: null,
          pending_amount: 0,
        },
      ],
    });
  });

  test("refunds accumulate; the one that reaches the captured amount makes the payment refunded", () => {
    const { state: start } = capturedState(4000);
    const { state: partial } = applyAll([refunded(1000), refunded(2000)], start);
    expect(partial.status).toBe("partially_refunded");
    expect(partial.amounts.refunded).toBe(3000);
    const { state } = apply(partial, refunded(1000));
    expect(state.status).toBe("refunded");
    expect(state.amounts.refunded).toBe(4000);
  });

  test("a single refund of the whole capture makes the payment refunded", () => {
    const { state: start } = capturedState(4000);
    expect(apply(start, refunded(4000)).state.status).toBe("refunded");
  });

  for (const from of ["captured", "partially_refunded", "refunded"] as const) {
    test(`payment.dispute.opened D from ${from} posts merchant payable -> psp:disputes D`, () => {
      const { state: captured_state } = capturedState(4000);
      const before =
        from === "captured" ? captured_state : apply(captured_state, refunded(from === "refunded" ? 4000 : 500)).state;
      expect(before.status).toBe(from);
      const e = disputeOpened(3000);
      const { state, journal } = apply(before, e);
      expect(state.status).toBe("disputed");
      expect(state.amounts.disputed).toBe(3000);
      expect(journal).toEqual({
        journal_id: `${P}/${e.id}`,
        currency: "USD",
        transfers: [
          {
            transfer_id: `${P}/${e.id}:dispute`,
            debit_account: PAYABLE,
            credit_account: "psp:disputes",
            amount: 3000,
            kind: "posted",
            pending_id: null,
            pending_amount: 0,
          },
        ],
      });
    });
  }

  for (const [type, status, credit] of [
    ["payment.dispute.won", "dispute_won", PAYABLE],
    ["payment.dispute.lost", "dispute_lost", "psp:clearing"],
  ] as const) {
    test(`${type} D posts psp:disputes -> ${credit} D and keeps the disputed total`, () => {
      const { state: start } = capturedState(4000);
      const { state: before } = apply(start, disputeOpened(3000));
      const e = event(type, P, { amount: 3000 });
      const { state, journal } = apply(before, e);
      expect(state.status).toBe(status);
      expect(state.amounts.disputed).toBe(3000);
      expect(state.dispute_open_amount).toBe(0);
      expect(journal).toEqual({
        journal_id: `${P}/${e.id}`,
        currency: "USD",
        transfers: [
          {
            transfer_id: `${P}/${e.id}:${status}`,
            debit_account: "psp:disputes",
            credit_account: credit,
            amount: 3000,
            kind: "posted",
            pending_id: null,
            pending_amount: 0,
          },
        ],
      });
    });
  }

  test("a full lifecycle keeps its amounts as running totals", () => {
    const { state } = applyAll([
      created(),
      authorized(5000),
      captured(4000, 120),
      refunded(500),
      refunded(700),
      disputeOpened(2000),
      event("payment.dispute.lost", P, { amount: 2000 }),
    ]);
    expect(state.status).toBe("dispute_lost");
    expect(state.amounts).toEqual({ authorized: 5000, captured: 4000, refunded: 1200, disputed: 2000, fees: 120 });
    expect(state.version).toBe(7);
  });
});

describe("amount rules", () => {
  test("a capture above the authorized amount is rejected as amount_exceeds_authorized", () => {
    const { state } = authorizedState(5000);
    expectReject(decide(state, captured(5001, 0)), "amount_exceeds_authorized");
  });

  test("cumulative refunds above the captured amount are rejected as amount_exceeds_captured", () => {
    const { state: start } = capturedState(4000);
    const { state } = applyAll([refunded(3000)], start);
    expectReject(decide(state, refunded(1001)), "amount_exceeds_captured");
    expect(apply(state, refunded(1000)).state.status).toBe("refunded");
  });

  test("a first refund above the captured amount is rejected as amount_exceeds_captured", () => {
    const { state } = capturedState(4000);
    expectReject(decide(state, refunded(4001)), "amount_exceeds_captured");
  });

  test("refunds are measured against the captured amount, not the authorized one", () => {
    const { state } = capturedState(3000);
    expectReject(decide(state, refunded(3001)), "amount_exceeds_captured");
  });

  test("a dispute above the captured amount is rejected as amount_exceeds_captured", () => {
    const { state } = capturedState(4000);
    expectReject(decide(state, disputeOpened(4001)), "amount_exceeds_captured");
  });

  for (const type of ["payment.dispute.won", "payment.dispute.lost"] as const) {
    test(`${type} above the amount under dispute is rejected`, () => {
      const { state: start } = capturedState(4000);
      const { state } = apply(start, disputeOpened(2000));
      expectReject(decide(state, event(type, P, { amount: 2001 })), "amount_exceeds_disputed");
    });
  }
});

describe("identity: currency and merchant", () => {
  test("an event in another currency is rejected as currency_mismatch", () => {
    const { state } = authorizedState();
    expectReject(decide(state, event("payment.captured", P, { amount: 100, currency: "EUR" })), "currency_mismatch");
  });

  test("an event for another merchant is rejected as merchant_mismatch", () => {
    const { state } = authorizedState();
    expectReject(decide(state, event("payment.captured", P, { amount: 100, merchant_id: "m_2" })), "merchant_mismatch");
  });

  test("a mismatch is rejected even when the event would otherwise be held (no later event can fix it)", () => {
    const state = apply(initialPaymentState(P), created()).state;
    expectReject(decide(state, event("payment.captured", P, { amount: 100, currency: "EUR" })), "currency_mismatch");
  });

  test("an event that names no currency or merchant is not a mismatch", () => {
    const { state } = authorizedState();
    const e: PaymentEvent = { ...event("payment.canceled", P), data: {} };
    expect(apply(state, e).state.status).toBe("canceled");
  });

  test("the first event that names the currency and merchant sets them", () => {
    const e = event("payment.authorized", P, { amount: 100, currency: "JPY", merchant_id: "m_9" });
    const { state, journal } = apply(initialPaymentState(P), e);
    expect([state.currency, state.merchant_id]).toEqual(["JPY", "m_9"]);
    expect(journal!.currency).toBe("JPY");
    expect(journal!.transfers[0]!.credit_account).toBe("merchant:m_9:payable");
  });
});

describe("late payment.created", () => {
  test("after authorized it applies, changes no status, posts nothing and fills in what was missing", () => {
    const { state: before } = applyAll([authorized(5000)]);
    expect(before.customer_id).toBeNull();
    const { state, journal } = apply(before, created());
    expect(state.status).toBe("authorized");
    expect(state.amounts).toEqual(before.amounts);
    expect(state.pending_transfer).toEqual(before.pending_transfer);
    expect(state.customer_id).toBe("c_1");
    expect(state.version).toBe(before.version + 1);
    expect(journal).toBeNull();
  });

  test("after capture it applies and changes no status", () => {
    const { state: before } = applyAll([authorized(5000), captured(4000, 0)]);
    const { state, journal } = apply(before, created());
    expect(state.status).toBe("captured");
    expect(journal).toBeNull();
    expect(state.version).toBe(3);
  });

  test("in another currency it is still a currency_mismatch", () => {
    const { state } = applyAll([authorized(5000)]);
    expectReject(decide(state, event("payment.created", P, { amount: 5000, currency: "EUR" })), "currency_mismatch");
  });
});

describe("blocked payments (DESIGN.md section 4: block moves to blocked; money-moving events go to the DLQ)", () => {
  const blockedAfter = (events: PaymentEvent[]) => withFraudDecision(applyAll(events).state, BLOCK);

  for (const type of EVENT_TYPES) {
    if (!MONEY_MOVING_TYPES.has(type)) continue;
    test(`${type} on a blocked payment is rejected as payment_blocked`, () => {
      for (const state of [blockedAfter([created()]), blockedAfter([created(), authorized()])]) {
        expect(state.status).toBe("blocked");
        const data = type === "payment.captured" ? { amount: 1, fee: 0 } : { amount: 1 };
        expectReject(decide(state, event(type, P, data)), "payment_blocked");
      }
    });
  }

  for (const type of ["payment.failed", "payment.canceled"] as const) {
    const to = type === "payment.failed" ? "failed" : "canceled";

    test(`${type} still applies to a payment blocked before authorization, posting nothing`, () => {
      const state = blockedAfter([created()]);
      const { state: after, journal } = apply(state, event(type, P));
      expect(after.status).toBe(to);
      expect(after.version).toBe(state.version + 1);
      expect(journal).toBeNull();
    });

    test(`${type} still applies to a payment blocked after authorization, voiding the hold`, () => {
      const state = blockedAfter([created(), authorized(5000)]);
      const e = event(type, P);
      const { state: after, journal } = apply(state, e);
      expect(after.status).toBe(to);
      expect(after.pending_transfer).toBeNull();
      expect(journal!.transfers.map((t) => [t.kind, t.pending_id, t.pending_amount])).toEqual([
        ["void_pending", state.pending_transfer!.transfer_id, 5000],
      ]);
    });
  }

  test("a late payment.created on a blocked payment applies and the payment stays blocked", () => {
    const state = blockedAfter([authorized(5000)]);
    const { state: after } = apply(state, created());
    expect(after.status).toBe("blocked");
    expect(after.status_before_block).toBe("authorized");
    expect(after.version).toBe(state.version + 1);
  });

  test("a payment an operator blocks before its first event applies stays blocked when payment.created arrives", () => {
    // The operator can block any payment the actor knows, e.g. one whose only event so far
    // (a capture) is held: its status is still none.
    const blocked = withFraudOverride(initialPaymentState(P), "block", "suspicious", "2026-11-21T10:00:00.000Z");
    expect(blocked.status).toBe("blocked");
    const { state } = apply(blocked, created());
    expect(state.status).toBe("blocked");
    // ...so the money-moving events that follow go to the DLQ.
    expectReject(decide(state, authorized(5000)), "payment_blocked");
  });
});

describe("sequence (DESIGN.md section 4: strictly in sequence, a gap is held)", () => {
  const sequenced = (e: PaymentEvent, sequence: number): PaymentEvent => ({ ...e, sequence });

  test("the expected sequence applies and advances sequence_next", () => {
    const { state } = apply(initialPaymentState(P), sequenced(created(), 1));
    expect(state.sequence_next).toBe(2);
    const { state: next } = apply(state, sequenced(authorized(), 2));
    expect(next.sequence_next).toBe(3);
  });

  test("a sequence past the next one is held as sequence_gap", () => {
    expect(decide(initialPaymentState(P), sequenced(created(), 2))).toEqual({ kind: "hold", reason: "sequence_gap" });
  });

  test("a gap is held even when the event's status would otherwise apply or be rejected", () => {
    const { state } = authorizedState(); // unsequenced events: sequence_next is still 1
    expect(decide(state, sequenced(captured(100, 0), 3))).toEqual({ kind: "hold", reason: "sequence_gap" });
    expect(decide(state, sequenced(created(), 3))).toEqual({ kind: "hold", reason: "sequence_gap" });
  });

  test("a sequence below the next one is rejected as sequence_already_applied", () => {
    const { state } = applyAll([sequenced(created(), 1), sequenced(authorized(), 2)]);
    expectReject(decide(state, sequenced(captured(100, 0), 1)), "sequence_already_applied");
    expectReject(decide(state, sequenced(captured(100, 0), 2)), "sequence_already_applied");
  });

  test("the expected sequence is still checked against the status", () => {
    const { state } = applyAll([sequenced(created(), 1), sequenced(authorized(), 2), sequenced(captured(100, 0), 3)]);
    expectReject(decide(state, sequenced(authorized(), 4)), "invalid_transition");
  });

  test("an event without sequence on a sequenced payment applies by status and leaves sequence_next alone", () => {
    const { state } = applyAll([sequenced(created(), 1)]);
    const { state: next } = apply(state, authorized());
    expect(next.status).toBe("authorized");
    expect(next.sequence_next).toBe(2);
  });

  test("ignore_sequence (a replay of a consumed slot) applies by status and leaves sequence_next alone", () => {
    const { state } = applyAll([sequenced(created(), 1), sequenced(authorized(), 2)]);
    const { state: next } = apply(state, sequenced(captured(100, 0), 1), { ignore_sequence: true });
    expect(next.status).toBe("captured");
    expect(next.sequence_next).toBe(3);
  });
});

describe("version", () => {
  test("increments exactly once per applied event, and hold or reject return no state", () => {
    const events = [
      created(),
      event("payment.created", P, { amount: 5000 }), // a second create: applied, no status change
      authorized(5000),
      captured(4000, 10),
      refunded(100),
      refunded(200),
      disputeOpened(300),
      event("payment.dispute.won", P, { amount: 300 }),
    ];
    let state = initialPaymentState(P);
    events.forEach((e, index) => {
      state = apply(state, e).state;
      expect(state.version).toBe(index + 1);
    });
    for (const type of ["payment.captured", "payment.refunded"] as EventType[]) {
      const decision = decide(state, event(type, P, { amount: 1 }));
      expect(decision.kind).toBe("reject");
      expect("state" in decision).toBe(false);
    }
    const held = decide(applyAll([created()]).state, captured(1, 0));
    expect(held).toEqual({ kind: "hold", reason: "waiting_for_status" });
  });

  test("a blocked payment's applied event increments the version once", () => {
    const state = withFraudDecision(applyAll([created()]).state, BLOCK);
    expect(apply(state, event("payment.canceled", P)).state.version).toBe(2);
    expect(apply(state, event("payment.created", P, { amount: 1 })).state.version).toBe(2);
  });
});

describe("decideEvent never mutates its input", () => {
  test("the returned state shares nothing with the input state", () => {
    const { state: before } = authorizedState();
    const decision = decideEvent(before, captured(4000, 10));
    if (decision.kind !== "apply") throw new Error("expected apply");
    expect(decision.state).not.toBe(before);
    expect(decision.state.amounts).not.toBe(before.amounts);
    expect(before.status).toBe("authorized");
    expect(before.pending_transfer).not.toBeNull();
    expect(before.version).toBe(2);
  });

  test("every decision kind leaves a deep-frozen input untouched (blocked, late create, reject, hold)", () => {
    // `decide` freezes the input and compares it afterwards; any write would have thrown.
    const blocked = withFraudDecision(applyAll([created(), authorized()]).state, BLOCK);
    expect(decide(blocked, event("payment.failed", P)).kind).toBe("apply");
    expect(decide(blocked, created()).kind).toBe("apply");
    expect(decide(blocked, refunded(1)).kind).toBe("reject");
    expect(decide(applyAll([created()]).state, refunded(1)).kind).toBe("hold");
    expect(decide(applyAll([authorized()]).state, created()).kind).toBe("apply");
  });
});
