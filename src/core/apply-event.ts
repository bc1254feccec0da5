/**
 * Decides what one event does to a payment: apply it (new state and journal), hold it until
 * an earlier event arrives, or reject it for good (the actor dead-letters it). Pure: the
 * actor passes the state in and commits what comes out.
 */
import type { RejectReason } from "./dead-letters.ts";
import type { PaymentEvent } from "./event.ts";
import { MONEY_MOVING_TYPES } from "./event.ts";
import {
  ACCOUNT_PSP_CLEARING,
  ACCOUNT_PSP_DISPUTES,
  ACCOUNT_REVENUE_FEES,
  journalId,
  merchantPayable,
  pending,
  posted,
  postPending,
  voidPending,
  type Journal,
  type Transfer,
} from "./ledger.ts";
import type { PaymentState, PaymentStatus } from "./payment.ts";
import { couldApplyLater, isTerminal, isValidFrom } from "./state-machine.ts";

export type HoldReason = "sequence_gap" | "waiting_for_status";

export type Decision =
  | { kind: "apply"; state: PaymentState; journal: Journal | null }
  | { kind: "hold"; reason: HoldReason }
  | { kind: "reject"; reason: RejectReason; message: string };

export interface DecideOptions {
  /** A replayed event whose sequence slot was already consumed is applied by status alone. */
  ignore_sequence?: boolean;
}

const reject = (reason: RejectReason, message: string): Decision => ({ kind: "reject", reason, message });

export function decideEvent(state: PaymentState, event: PaymentEvent, options: DecideOptions = {}): Decision {
  const sequenced = event.sequence !== undefined && !options.ignore_sequence;
  if (sequenced) {
    if (event.sequence! < state.sequence_next) {
      return reject(
        "sequence_already_applied",
        `sequence ${event.sequence} was already used by another event of ${state.payment_id} (next expected: ${state.sequence_next})`,
      );
    }
    if (event.sequence! > state.sequence_next) return { kind: "hold", reason: "sequence_gap" };
  }

  const mismatch = identityMismatch(state, event);
  if (mismatch) return mismatch;

  if (state.status === "blocked") {
    if (MONEY_MOVING_TYPES.has(event.type)) {
      return reject("payment_blocked", `${event.type} refused: ${state.payment_id} is blocked by fraud rules`);
    }
    // Non-money events (a late create, a provider's cancel or failure) apply to the status
    // the payment had before the block.
    const unblocked = { ...state, status: state.status_before_block, status_before_block: null };
    const decision = decideByStatus(unblocked, event);
    // The block stays until an operator lifts it, unless the event ended the payment.
    if (decision.kind === "apply" && !isTerminal(decision.state.status)) {
      decision.state.status_before_block = decision.state.status;
      decision.state.status = "blocked";
    }
    return finish(decision, event, sequenced);
  }
  return finish(decideByStatus(state, event), event, sequenced);
}

function finish(decision: Decision, event: PaymentEvent, sequenced: boolean): Decision {
  if (decision.kind !== "apply") return decision;
  decision.state.version += 1;
  if (sequenced) decision.state.sequence_next = event.sequence! + 1;
  return decision;
}

function identityMismatch(state: PaymentState, event: PaymentEvent): Decision | null {
  const { currency, merchant_id } = event.data;
  if (currency !== undefined && state.currency !== null && currency !== state.currency) {
    return reject("currency_mismatch", `data.currency ${currency} differs from the payment's currency ${state.currency}`);
  }
  if (merchant_id !== undefined && state.merchant_id !== null && merchant_id !== state.merchant_id) {
    return reject("merchant_mismatch", `data.merchant_id ${merchant_id} differs from the payment's merchant ${state.merchant_id}`);
  }
  return null;
}

function decideByStatus(state: PaymentState, event: PaymentEvent): Decision {
  if (event.type === "payment.created" && state.status !== null) {
    // A create that arrives after the payment already exists (authorized came first) tells
    // nothing new; it is recorded as applied and changes no status.
    return { kind: "apply", state: withIdentity(clone(state), event), journal: null };
  }
  if (!isValidFrom(event.type, state.status)) {
    if (couldApplyLater(event.type, state.status)) return { kind: "hold", reason: "waiting_for_status" };
    return reject(
      "invalid_transition",
      `${event.type} cannot apply to a payment in status ${state.status ?? "(none)"}, and no later event can make it apply`,
    );
  }
  return transition(withIdentity(clone(state), event), event);
}

function transition(next: PaymentState, event: PaymentEvent): Decision {
  const amount = event.data.amount ?? 0;
  const journal_id = journalId(next.payment_id, event.id);
  const currency = next.currency!;
  const payable = next.merchant_id === null ? null : merchantPayable(next.merchant_id);
  const journal = (transfers: Transfer[]): Journal | null =>
    transfers.length === 0 ? null : { journal_id, currency, transfers };
  const moveTo = (status: PaymentStatus) => {
    next.status = status;
  };

  switch (event.type) {
    case "payment.created":
      moveTo("created");
      return { kind: "apply", state: next, journal: null };

    case "payment.authorized": {
      if (payable === null) return reject("missing_merchant", "payment.authorized needs data.merchant_id");
      // The leg keeps its stored name: transfer ids already in Postgres end in ":hold".
      const authorization = pending(journal_id, "hold", ACCOUNT_PSP_CLEARING, payable, amount);
      next.amounts.authorized = amount;
      next.pending_transfer = { transfer_id: authorization.transfer_id, amount };
      moveTo("authorized");
      return { kind: "apply", state: next, journal: journal([authorization]) };
    }

    case "payment.captured": {
      if (amount > next.amounts.authorized) {
        return reject("amount_exceeds_authorized", `capture of ${amount} exceeds the authorized ${next.amounts.authorized}`);
      }
      const fee = event.data.fee ?? 0;
      const transfers = [postPending(journal_id, next.pending_transfer!, ACCOUNT_PSP_CLEARING, payable!, amount)];
      if (fee > 0) transfers.push(posted(journal_id, "fee", payable!, ACCOUNT_REVENUE_FEES, fee));
      next.amounts.captured = amount;
      next.amounts.fees += fee;
      next.pending_transfer = null;
      moveTo("captured");
      return { kind: "apply", state: next, journal: journal(transfers) };
    }

    case "payment.failed":
    case "payment.canceled": {
      const transfers = next.pending_transfer === null ? [] : [voidPending(journal_id, next.pending_transfer, ACCOUNT_PSP_CLEARING, payable!)];
      next.pending_transfer = null;
      moveTo(event.type === "payment.failed" ? "failed" : "canceled");
      return { kind: "apply", state: next, journal: journal(transfers) };
    }

    case "payment.refunded": {
      const refundable = next.amounts.captured - next.amounts.refunded;
      if (amount > refundable) {
        return reject("amount_exceeds_captured", `refund of ${amount} exceeds the ${refundable} still refundable`);
      }
      next.amounts.refunded += amount;
      moveTo(next.amounts.refunded === next.amounts.captured ? "refunded" : "partially_refunded");
      return { kind: "apply", state: next, journal: journal([posted(journal_id, "refund", payable!, ACCOUNT_PSP_CLEARING, amount)]) };
    }

    case "payment.dispute.opened": {
      if (amount > next.amounts.captured) {
        return reject("amount_exceeds_captured", `dispute of ${amount} exceeds the captured ${next.amounts.captured}`);
      }
      next.amounts.disputed += amount;
      next.dispute_open_amount = amount;
      moveTo("disputed");
      return { kind: "apply", state: next, journal: journal([posted(journal_id, "dispute", payable!, ACCOUNT_PSP_DISPUTES, amount)]) };
    }

    case "payment.dispute.won":
    case "payment.dispute.lost": {
      if (amount > next.dispute_open_amount) {
        return reject("amount_exceeds_disputed", `${event.type} of ${amount} exceeds the ${next.dispute_open_amount} under dispute`);
      }
      const won = event.type === "payment.dispute.won";
      const credit = won ? payable! : ACCOUNT_PSP_CLEARING;
      next.dispute_open_amount = 0;
      moveTo(won ? "dispute_won" : "dispute_lost");
      return { kind: "apply", state: next, journal: journal([posted(journal_id, won ? "dispute_won" : "dispute_lost", ACCOUNT_PSP_DISPUTES, credit, amount)]) };
    }
  }
}

/** The first event to name a currency, merchant or customer sets it. */
function withIdentity(state: PaymentState, event: PaymentEvent): PaymentState {
  state.currency ??= event.data.currency ?? null;
  state.merchant_id ??= event.data.merchant_id ?? null;
  state.customer_id ??= event.data.customer_id ?? null;
  return state;
}

/** A deep copy. The state is plain JSON (it round-trips through storage), and JSON copies it several times faster than structuredClone. */
function clone(state: PaymentState): PaymentState {
  return JSON.parse(JSON.stringify(state)) as PaymentState;
}
