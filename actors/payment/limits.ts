import { DEFAULT_LIMITS, type Limits } from "../../src/core/config.ts";
import type { RetryPolicy } from "../../src/core/retry-policy.ts";

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
  };
}

/** The defaults of every limit (src/core/config.ts), as the actor's limits. */
export const DEFAULT_PAYMENT_ACTOR_LIMITS: PaymentActorLimits = paymentActorLimits(DEFAULT_LIMITS);

export type ActorCounter =
  | "events_processed"
  | "events_held"
  | "events_dead_lettered"
  | "retries_scheduled"
  | "outage_waits"
  | "fraud_decisions_degraded"
  | "sink_flushes"
  | "sink_flush_failures"
  | "sink_rows_flushed"
  | "outbox_entries_added"
  | "outbox_entries_flushed";

export type ActorHistogram = "processing_latency_ms" | "flush_latency_ms" | "accepted_to_postgres_ms";

/** What the actor reports; the host decides how to expose it (Prometheus on both hosts). */
export interface ActorMetrics {
  increment(counter: ActorCounter, by?: number): void;
  observe(histogram: ActorHistogram, value_ms: number): void;
}

export const NO_METRICS: ActorMetrics = {
  increment() {},
  observe() {},
};
