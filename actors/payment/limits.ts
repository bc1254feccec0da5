import { DEFAULT_LIMITS, type Limits } from "../../src/core/config.ts";
import type { RetryPolicy } from "../../src/core/retry-policy.ts";

const DAY_MS = 24 * 3_600_000;

/** Every queue the actor keeps has a limit (TigerBeetle's "put a limit on everything"). */
export interface PaymentActorLimits {
  retry: RetryPolicy;
  hold_timeout_ms: number;
  inbox_messages_max: number;
  /**
   * Dead letters a payment may hold before new events for it are refused (429) until an
   * operator replays or discards some: a producer that keeps sending broken events gets
   * backpressure, and storage stays bounded (by this plus the inbox limit), without dropping.
   */
  dead_letters_max: number;
  held_events_max: number;
  outbox_page_entries_max: number;
  flush_backoff_ms_initial: number;
  flush_backoff_ms_max: number;
  /** Events and journals shown by inspection. */
  inspection_events_max: number;
  /**
   * How long a finished payment (failed, canceled, dispute won or lost) with no
   * work left and no dead letter keeps its rows in actor storage after its last change. Its
   * duplicates are recognised that long (Adyen retries for 30 days, Stripe for 3); then the
   * rows go, so storage and start-up stay bounded, and Postgres keeps the history.
   */
  finished_retention_ms: number;
}

/** The actor's limits from the host's configuration: the one mapping, used by both hosts. */
export function paymentActorLimits(limits: Limits): PaymentActorLimits {
  return {
    retry: { attempts_max: limits.retry_attempts_max, backoff_ms_initial: limits.retry_backoff_ms_initial, backoff_ms_max: limits.retry_backoff_ms_max },
    hold_timeout_ms: limits.hold_timeout_ms,
    inbox_messages_max: limits.inbox_messages_max,
    dead_letters_max: limits.dead_letters_max,
    held_events_max: limits.held_events_max,
    outbox_page_entries_max: limits.outbox_page_entries_max,
    flush_backoff_ms_initial: limits.flush_backoff_ms_initial,
    flush_backoff_ms_max: limits.flush_backoff_ms_max,
    inspection_events_max: limits.inspection_events_max,
    finished_retention_ms: limits.finished_retention_days * DAY_MS,
  };
}

/** The defaults of every limit (src/core/config.ts), as the actor's limits. */
export const DEFAULT_PAYMENT_ACTOR_LIMITS: PaymentActorLimits = paymentActorLimits(DEFAULT_LIMITS);
