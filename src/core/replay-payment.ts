/**
 * Rebuilds one payment's state from what Postgres recorded of it (issue 12, `npm run recover`):
 * its applied events, in version order, go through the same pure functions the actor used
 * (`decideEvent`, the fraud decision recorded for the event, operator overrides at their
 * time), so the state is the one the actor computed, not a copy of a projection. The result
 * is then checked against the `payments` projection and the ledger journals Postgres holds;
 * every disagreement is returned as a sentence, never resolved silently in either's favour.
 */
import { decideEvent, type Decision } from "./apply-event.ts";
import type { DeadLetterReason } from "./dead-letters.ts";
import type { PaymentEvent } from "./event.ts";
import type { Journal, Transfer } from "./ledger.ts";
import { needsFraudEvaluation, withFraudDecision, withFraudOverride } from "./payment-fraud.ts";
import { initialPaymentState, type FraudState, type PaymentState } from "./payment.ts";
import { paymentRow, type DeadLetterRow, type FraudDecisionRow, type PaymentEventRow, type PaymentRow } from "./postgres-rows.ts";
import { iso } from "./time.ts";

/** A journal as Postgres holds it: the journal row and its transfers. */
export interface RecordedJournal extends Journal {
  created_at: number;
}

/** Everything Postgres holds about one payment. */
export interface RecordedPayment {
  payment_id: string;
  projection: PaymentRow | null;
  events: PaymentEventRow[];
  /** By journal id. */
  journals: ReadonlyMap<string, RecordedJournal>;
  fraud_decisions: FraudDecisionRow[];
  dead_letters: DeadLetterRow[];
}

export interface ReplayedEvent {
  row: PaymentEventRow;
  /** The journal the state machine derives for it (verified against Postgres's). */
  journal: Journal | null;
  /** Applied by the actor, but its rows never reached Postgres (a `sink_write_refused` dead letter). */
  from_sink_dead_letter: boolean;
}

export interface ReplayedPayment {
  state: PaymentState;
  events: ReplayedEvent[];
  /** Disagreements between the replay and the projection or the ledger, one sentence each. */
  mismatches: string[];
}

/**
 * Rejections that used the event's sequence slot: the state machine refused an event at the
 * sequence it expected (`UnitOfWork.handle`), so later ones were not held behind it.
 */
const SLOT_USING_REASONS: ReadonlySet<DeadLetterReason> = new Set<DeadLetterReason>([
  "currency_mismatch",
  "merchant_mismatch",
  "payment_blocked",
  "invalid_transition",
  "missing_merchant",
  "amount_exceeds_authorized",
  "amount_exceeds_captured",
  "amount_exceeds_disputed",
  "sink_write_refused",
]);

export const SINK_REFUSED_REASON: DeadLetterReason = "sink_write_refused";

export function replayPayment(record: RecordedPayment): ReplayedPayment {
  const replayed = replayInOrder(record, "events_first");
  if (replayed.mismatches.length === 0 || !record.fraud_decisions.some((row) => row.origin === "override")) return replayed;
  // An operator's override and an event applied in the same millisecond are not ordered by
  // the record; the other order is kept when it alone agrees with the projection and ledger.
  const other = replayInOrder(record, "overrides_first");
  return other.mismatches.length === 0 ? other : replayed;
}

/** At equal times, whether an override goes after the event (as it mostly does: overrides are rare) or before. */
type TieOrder = "events_first" | "overrides_first";

function replayInOrder(record: RecordedPayment, ties: TieOrder): ReplayedPayment {
  const mismatches: string[] = [];
  const label = `payment ${record.payment_id}`;
  const rules_decisions = new Map<string, FraudDecisionRow>();
  for (const row of record.fraud_decisions) if (row.origin === "rules" && row.event_id !== null) rules_decisions.set(row.event_id, row);
  const overrides = record.fraud_decisions.filter((row) => row.origin === "override").sort((a, b) => decisionNumber(a) - decisionNumber(b));
  // Events the actor applied whose rows Postgres refused: they fill the versions missing from payment_events.
  const recorded_ids = new Set(record.events.map((row) => row.event_id));
  const refused = record.dead_letters
    .filter((letter) => letter.reason === SINK_REFUSED_REASON && isEventOf(letter.message, record.payment_id))
    .filter((letter) => !recorded_ids.has((letter.message as PaymentEvent).id))
    .sort((a, b) => a.first_failed_at - b.first_failed_at)
    .map((letter) => sinkRefusedRow(letter, letter.message as PaymentEvent));

  let state = initialPaymentState(record.payment_id);
  let overrides_applied = 0;
  const applyNextOverride = () => {
    const override = overrides[overrides_applied++]!;
    state = withFraudOverride(state, override.decision, override.note, iso(override.decided_at));
  };
  /**
   * Applies the overrides that came before an event applied at `at`. Fraud decisions are
   * numbered in the order they were made, so against an event with a rules decision
   * (`rules_number`) the numbers decide; otherwise the times do.
   */
  const applyOverridesBefore = (at: number, rules_number: number | null) => {
    while (overrides_applied < overrides.length) {
      const override = overrides[overrides_applied]!;
      const before =
        rules_number !== null
          ? decisionNumber(override) < rules_number
          : override.decided_at < at || (override.decided_at === at && ties === "overrides_first");
      if (!before) break;
      applyNextOverride();
    }
  };

  const events: ReplayedEvent[] = [];
  const apply = (row: PaymentEventRow, from_sink_dead_letter: boolean): boolean => {
    const rules_decision = rules_decisions.get(row.event_id);
    applyOverridesBefore(row.applied_at, rules_decision === undefined ? null : decisionNumber(rules_decision));
    let outcome = replayOne(state, row, rules_decisions);
    // Overrides decided in the same millisecond as the event may have come first: the event
    // only applies after them. (One that changes how it applies, not whether, is not told apart.)
    while (outcome.kind !== "applied" && overrides[overrides_applied]?.decided_at === row.applied_at) {
      applyNextOverride();
      outcome = replayOne(state, row, rules_decisions);
    }
    if (outcome.kind !== "applied") {
      if (!from_sink_dead_letter) mismatches.push(`${label}: event ${row.event_id} (version ${row.version}) does not apply again: ${outcome.problem}`);
      return false;
    }
    state = outcome.state;
    events.push({ row: { ...row, version: state.version }, journal: outcome.journal, from_sink_dead_letter });
    return true;
  };
  const fillFromRefused = (version_wanted: number) => {
    while (state.version < version_wanted && refused.length > 0) {
      const index = refused.findIndex((row) => replayOne(state, row, rules_decisions).kind === "applied");
      if (index < 0) return;
      apply(refused.splice(index, 1)[0]!, true);
    }
  };

  for (const row of [...record.events].sort((a, b) => a.version - b.version)) {
    fillFromRefused(row.version - 1);
    if (!apply(row, false)) continue;
    if (state.version !== row.version) {
      mismatches.push(`${label}: event ${row.event_id} is version ${row.version} in payment_events but version ${state.version} on replay (an applied event is missing from payment_events)`);
    }
    checkJournal(label, row, events.at(-1)!.journal, record.journals, mismatches);
  }
  fillFromRefused(Number.POSITIVE_INFINITY);
  applyOverridesBefore(Number.POSITIVE_INFINITY, null);
  state = { ...state, sequence_next: sequenceNext(state, record.dead_letters) };
  const refused_applied = events.filter((event) => event.from_sink_dead_letter).length;
  checkProjection(label, state, record.projection, refused_applied, mismatches);
  return { state, events, mismatches };
}

type ReplayOutcome = { kind: "applied"; state: PaymentState; journal: Journal | null } | { kind: "refused"; problem: string };

function replayOne(state: PaymentState, row: PaymentEventRow, rules_decisions: ReadonlyMap<string, FraudDecisionRow>): ReplayOutcome {
  const event = row.event;
  const sequence = event.sequence;
  const ignore_sequence = row.source.kind === "replay" && sequence !== undefined && sequence < state.sequence_next;
  let before = state;
  if (sequence !== undefined && !ignore_sequence && sequence > state.sequence_next) {
    // The slots between were used by events the state machine refused (their dead letters).
    before = { ...state, sequence_next: sequence };
  }
  const decision: Decision = decideEvent(before, event, { ignore_sequence });
  if (decision.kind === "hold") return { kind: "refused", problem: `the state machine would hold it (${decision.reason})` };
  if (decision.kind === "reject") return { kind: "refused", problem: `the state machine refuses it (${decision.reason}: ${decision.message})` };
  let next = decision.state;
  if (needsFraudEvaluation(before, event.type)) {
    const decided = rules_decisions.get(event.id);
    if (decided === undefined) return { kind: "refused", problem: "it needed a fraud decision and fraud_decisions holds none for it" };
    next = withFraudDecision(next, fraudState(decided));
  }
  return { kind: "applied", state: next, journal: decision.journal };
}

/** The FraudState the actor stored with a rules decision, from its row. */
export function fraudState(row: FraudDecisionRow): FraudState {
  return {
    decision: row.decision,
    score: row.score,
    rules_fired: row.rules_fired,
    shadow_rules_fired: row.shadow_rules_fired,
    attributes: row.attributes,
    origin: row.origin,
    note: row.note,
    decided_at: iso(row.decided_at),
    rules_decision: null,
    ...(row.degraded ? { degraded: true, degraded_reason: row.degraded_reason } : {}),
  };
}

/** The next sequence expected: after every slot an applied or refused event used. */
function sequenceNext(state: PaymentState, dead_letters: readonly DeadLetterRow[]): number {
  let next = state.sequence_next;
  for (const letter of dead_letters) {
    if (!SLOT_USING_REASONS.has(letter.reason)) continue;
    const sequence = (letter.message as Partial<PaymentEvent> | null)?.sequence;
    // A replayed event that skipped its used slot has a sequence below `next` anyway.
    if (typeof sequence === "number" && Number.isSafeInteger(sequence)) next = Math.max(next, sequence + 1);
  }
  return next;
}

function checkJournal(label: string, row: PaymentEventRow, derived: Journal | null, journals: ReadonlyMap<string, RecordedJournal>, mismatches: string[]): void {
  if (derived === null) return;
  const recorded = journals.get(derived.journal_id);
  if (recorded === undefined) {
    mismatches.push(`${label}: event ${row.event_id} posts journal ${derived.journal_id} on replay, but ledger_journals holds none`);
    return;
  }
  const describe = (journal: Journal) =>
    JSON.stringify([journal.currency, [...journal.transfers].sort((a, b) => (a.transfer_id < b.transfer_id ? -1 : 1)).map(transferFields)]);
  if (describe(derived) !== describe(recorded)) {
    mismatches.push(`${label}: journal ${derived.journal_id} differs: replay ${describe(derived)}, ledger ${describe(recorded)}`);
  }
}

const transferFields = (transfer: Transfer) => [
  transfer.transfer_id,
  transfer.debit_account,
  transfer.credit_account,
  transfer.amount,
  transfer.kind,
  transfer.pending_id,
  transfer.pending_amount,
];

function checkProjection(label: string, state: PaymentState, projection: PaymentRow | null, refused_applied: number, mismatches: string[]): void {
  if (projection === null) {
    if (state.version > 0) mismatches.push(`${label}: ${state.version} events replayed, but payments holds no row for it`);
    return;
  }
  // The projection written with a refused event's rows was refused with them.
  if (refused_applied > 0 && projection.version < state.version) return;
  const replayed = paymentRow(state, projection.revision, projection.updated_at);
  const differences = Object.entries(replayed)
    .filter(([field, value]) => projection[field as keyof PaymentRow] !== value)
    .map(([field, value]) => `${field}: replay ${JSON.stringify(value)}, projection ${JSON.stringify(projection[field as keyof PaymentRow])}`);
  if (differences.length > 0) mismatches.push(`${label}: ${differences.join("; ")}`);
}

function decisionNumber(row: FraudDecisionRow): number {
  return Number(row.decision_id.slice(row.decision_id.lastIndexOf("/") + 1)) || 0;
}

function isEventOf(message: unknown, payment_id: string): boolean {
  const event = message as Partial<PaymentEvent> | null;
  return typeof event === "object" && event !== null && event.payment_id === payment_id && typeof event.id === "string" && typeof event.type === "string";
}

/** A refused event as the payment_events row it would have been (its version is found on replay). */
function sinkRefusedRow(letter: DeadLetterRow, event: PaymentEvent): PaymentEventRow {
  const applied_at = letter.first_failed_at;
  return {
    event_id: event.id,
    payment_id: event.payment_id,
    type: event.type,
    sequence: event.sequence ?? null,
    occurred_at: Date.parse(event.occurred_at),
    applied_at,
    version: 0,
    source: letter.source,
    event,
  };
}
