/**
 * The vocabulary of dead letters (DESIGN.md section 7), in one place so that a typo does not
 * compile. Every value here is public: it is stored in the actor, in Postgres `dead_letters`,
 * filtered by `GET /dlq?reason=`, and shown by `GET /payments/:id`; the README lists them.
 */
import type { EventProblemCode } from "./event-parse.ts";

/** Why the state machine refuses an event for good (an event no later event can make valid). */
export type RejectReason =
  | "sequence_already_applied"
  | "currency_mismatch"
  | "merchant_mismatch"
  | "payment_blocked"
  | "invalid_transition"
  | "missing_merchant"
  | "amount_exceeds_authorized"
  | "amount_exceeds_captured"
  | "amount_exceeds_disputed";

/** Why a Kafka record could not become an accepted event (a poison record). */
export type PoisonReason = "missing_key" | "invalid_json" | "invalid_event" | "key_mismatch" | "dead_letters_full";

export type DeadLetterReason =
  | RejectReason
  /** The reorder buffer of the payment is full. */
  | "hold_limit_exceeded"
  /** A held event waited longer than HOLD_TIMEOUT_MS for its predecessor. */
  | "out_of_order_timeout"
  /** Processing threw a PermanentError. */
  | "permanent_failure"
  /** Processing failed transiently RETRY_ATTEMPTS_MAX times. */
  | "retries_exhausted"
  /** Postgres refused the applied event's rows for good (a constraint, a type): replay after a fix. */
  | "sink_write_refused"
  | PoisonReason;

/** Where the message failed. `apply` is the actor's commit, `sink` the write to Postgres, `kafka_ingest` the Kafka consumer. */
export type DeadLetterStage = "state_machine" | "ordering" | "fraud" | "apply" | "sink" | "kafka_ingest";

/**
 * The name of an error that was thrown (`error.name`), only ever produced by `errorClass`, so
 * that a hand-written class name must be one of the literals of DeadLetterErrorClass.
 */
declare const thrown: unique symbol;
export type ThrownErrorClass = string & { readonly [thrown]: true };

export type DeadLetterErrorClass =
  /** The state machine refused the event (its reason says why). */
  | "RejectedEvent"
  /** The reorder buffer was full. */
  | "LimitExceeded"
  /** The hold timeout passed. */
  | "HoldTimeout"
  /** Kafka poison records: the reason itself, or the event's first schema problem. */
  | Exclude<PoisonReason, "invalid_event">
  | EventProblemCode
  | ThrownErrorClass;

export type DeadLetterStatus = "pending" | "replayed" | "discarded";

/** GET /dlq and POST /dlq/replay: which dead letters, across payments, newest failure first. */
export interface DeadLetterFilter {
  reason?: string;
  /** ISO 8601; dead letters whose last failure is at or after it. */
  since?: string;
  status?: DeadLetterStatus;
  /** At most DEAD_LETTERS_LIMIT_MAX (src/sink/queries.ts). */
  limit: number;
}
