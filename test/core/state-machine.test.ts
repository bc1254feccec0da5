/**
 * The state machine of DESIGN.md section 4, pair by pair: for every event type and every
 * status, the event applies (to the status in the table), is held (a later event could make
 * it valid) or is rejected as `invalid_transition` (none can).
 */
import { describe, expect, test } from "bun:test";
import { decideEvent, type Decision } from "../../src/core/apply-event.ts";
import { EVENT_TYPES, type EventType, type PaymentEvent } from "../../src/core/event.ts";
import { initialPaymentState, type FraudState, type PaymentState, type PaymentStatus } from "../../src/core/payment.ts";
import { withFraudDecision } from "../../src/core/payment-fraud.ts";
import { couldApplyLater, isTerminal, isValidFrom, VALID_FROM } from "../../src/core/state-machine.ts";
import { event } from "../support/events.ts";
import { deepFreeze } from "../support/lifecycles.ts";

type From = PaymentStatus | null;

const ALL_STATUSES: readonly From[] = [
  null,
  "created",
  "authorized",
  "captured",
  "partially_refunded",
  "refunded",
  "disputed",
  "failed",
  "canceled",
  "dispute_won",
  "dispute_lost",
  "blocked",
];

/** The DESIGN.md section 4 table, copied by hand. */
const TABLE: Record<EventType, { from: readonly From[]; to: PaymentStatus }> = {
  "payment.created": { from: [null], to: "created" },
  "payment.authorized": { from: [null, "created"], to: "authorized" },
  "payment.captured": { from: ["authorized"], to: "captured" },
  "payment.failed": { from: ["created", "authorized"], to: "failed" },
  "payment.canceled": { from: ["created", "authorized"], to: "canceled" },
  // The probe refund (1) is less than what was captured, so it refunds partially.
  "payment.refunded": { from: ["captured", "partially_refunded"], to: "partially_refunded" },
  "payment.dispute.opened": { from: ["captured", "partially_refunded", "refunded"], to: "disputed" },
  "payment.dispute.won": { from: ["disputed"], to: "dispute_won" },
  "payment.dispute.lost": { from: ["disputed"], to: "dispute_lost" },
};

/**
 * Statuses from which an event is not valid yet but a later event can make it valid
 * (worked out by hand from the table: the payment can still get to a status it applies from).
 */
const HELD_FROM: Record<EventType, readonly From[]> = {
  "payment.created": [],
  "payment.authorized": [],
  "payment.captured": [null, "created"],
  "payment.failed": [null],
  "payment.canceled": [null],
  "payment.refunded": [null, "created", "authorized"],
  "payment.dispute.opened": [null, "created", "authorized"],
  "payment.dispute.won": [null, "created", "authorized", "captured", "partially_refunded", "refunded"],
  "payment.dispute.lost": [null, "created", "authorized", "captured", "partially_refunded", "refunded"],
};

const TERMINAL: readonly From[] = ["failed", "canceled", "dispute_won", "dispute_lost"];

const PAYMENT_ID = "pay_sm";

function applied(state: PaymentState, e: PaymentEvent): PaymentState {
  const decision = decideEvent(state, e);
  if (decision.kind !== "apply") throw new Error(`${e.type} did not apply: ${JSON.stringify(decision)}`);
  return decision.state;
}

function fold(types: Array<[EventType, PaymentEvent["data"]?]>): PaymentState {
  let state = initialPaymentState(PAYMENT_ID);
  for (const [type, data] of types) state = applied(state, event(type, PAYMENT_ID, data));
  return state;
}

const BLOCK: FraudState = {
  decision: "block",
  score: 0,
  rules_fired: ["test_block"],
  shadow_rules_fired: [],
  attributes: {},
  origin: "rules",
  note: null,
  decided_at: "2026-11-21T10:00:00.000Z",
  rules_decision: null,
};

/** A payment in each status, reached through the core itself. */
function stateIn(status: From): PaymentState {
  const created: Array<[EventType, PaymentEvent["data"]?]> = [["payment.created", { amount: 5000 }]];
  const authorized = [...created, ["payment.authorized", { amount: 5000 }]] as Array<[EventType, PaymentEvent["data"]?]>;
  const captured = [...authorized, ["payment.captured", { amount: 4000, fee: 100 }]] as Array<[EventType, PaymentEvent["data"]?]>;
  switch (status) {
    case null:
      return initialPaymentState(PAYMENT_ID);
    case "created":
      return fold(created);
    case "authorized":
      return fold(authorized);
    case "captured":
      return fold(captured);
    case "partially_refunded":
      return fold([...captured, ["payment.refunded", { amount: 1000 }]]);
    case "refunded":
      return fold([...captured, ["payment.refunded", { amount: 4000 }]]);
    case "disputed":
      return fold([...captured, ["payment.dispute.opened", { amount: 4000 }]]);
    case "dispute_won":
      return fold([...captured, ["payment.dispute.opened", { amount: 4000 }], ["payment.dispute.won", { amount: 4000 }]]);
    case "dispute_lost":
      return fold([...captured, ["payment.dispute.opened", { amount: 4000 }], ["payment.dispute.lost", { amount: 4000 }]]);
    case "failed":
      return fold([...created, ["payment.failed"]]);
    case "canceled":
      return fold([...created, ["payment.canceled"]]);
    case "blocked":
      return withFraudDecision(fold(created), BLOCK);
  }
}

/** A small, valid-looking event of each type (amounts of 1 never break an amount rule). */
function probe(type: EventType): PaymentEvent {
  if (type === "payment.failed" || type === "payment.canceled") return event(type, PAYMENT_ID);
  if (type === "payment.captured") return event(type, PAYMENT_ID, { amount: 1, fee: 0 });
  return event(type, PAYMENT_ID, { amount: 1 });
}

function decide(status: From, type: EventType): Decision {
  return decideEvent(deepFreeze(stateIn(status)), deepFreeze(probe(type)));
}

const label = (status: From) => status ?? "(none)";

describe("state machine table (DESIGN.md section 4)", () => {
  test("VALID_FROM is exactly the table", () => {
    for (const type of EVENT_TYPES) expect([...VALID_FROM[type]].sort()).toEqual([...TABLE[type].from].sort());
    expect(Object.keys(VALID_FROM).sort()).toEqual([...EVENT_TYPES].sort());
  });

  test("isValidFrom answers the table for every event type and status", () => {
    for (const type of EVENT_TYPES) {
      for (const status of ALL_STATUSES) expect([type, label(status), isValidFrom(type, status)]).toEqual([type, label(status), TABLE[type].from.includes(status)]);
    }
  });

  test("couldApplyLater is true exactly where a later event can make an invalid event valid", () => {
    for (const type of EVENT_TYPES) {
      for (const status of ALL_STATUSES) {
        if (TABLE[type].from.includes(status)) continue;
        expect([type, label(status), couldApplyLater(type, status)]).toEqual([type, label(status), HELD_FROM[type].includes(status)]);
      }
    }
  });

  test("failed, canceled, dispute_won and dispute_lost are terminal; blocked and the rest are not", () => {
    for (const status of ALL_STATUSES) expect([label(status), isTerminal(status)]).toEqual([label(status), TERMINAL.includes(status)]);
  });

  test("nothing applies after a terminal status, and nothing can be held there", () => {
    for (const status of TERMINAL) {
      for (const type of EVENT_TYPES) {
        if (type === "payment.created") continue; // a late create is recorded, see apply-event.test.ts
        expect([type, status, isValidFrom(type, status), couldApplyLater(type, status)]).toEqual([type, status!, false, false]);
      }
    }
  });
});

describe("decideEvent follows the table for every event type and status", () => {
  for (const type of EVENT_TYPES) {
    if (type === "payment.created") continue;
    for (const status of ALL_STATUSES) {
      if (status === "blocked") continue; // blocked payments: apply-event.test.ts
      const { from, to } = TABLE[type];
      if (from.includes(status)) {
        test(`${type} applies from ${label(status)} and moves the payment to ${to}`, () => {
          const decision = decide(status, type);
          expect(decision.kind).toBe("apply");
          if (decision.kind === "apply") expect(decision.state.status).toBe(to);
        });
      } else if (HELD_FROM[type].includes(status)) {
        test(`${type} arriving while ${label(status)} is held until a later event makes it valid`, () => {
          expect(decide(status, type)).toEqual({ kind: "hold", reason: "waiting_for_status" });
        });
      } else {
        test(`${type} arriving while ${label(status)} is rejected as invalid_transition`, () => {
          const decision = decide(status, type);
          expect(decision.kind).toBe("reject");
          if (decision.kind === "reject") expect(decision.reason).toBe("invalid_transition");
        });
      }
    }
  }

  test("payment.created applies from no status and moves the payment to created", () => {
    const decision = decide(null, "payment.created");
    expect(decision.kind).toBe("apply");
    if (decision.kind === "apply") expect(decision.state.status).toBe("created");
  });

  test("payment.authorized after captured is rejected, not held (no later event leads back)", () => {
    expect(decide("captured", "payment.authorized")).toMatchObject({ kind: "reject", reason: "invalid_transition" });
  });

  test("payment.captured while created is held (authorization may still come)", () => {
    expect(decide("created", "payment.captured")).toEqual({ kind: "hold", reason: "waiting_for_status" });
  });
});
