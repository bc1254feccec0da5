import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../../src/core/retry-policy.ts";

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

export const DEFAULT_PAYMENT_ACTOR_LIMITS: PaymentActorLimits = {
  retry: DEFAULT_RETRY_POLICY,
  hold_timeout_ms: 15 * 60_000,
  inbox_messages_max: 1_000,
  dead_letters_max: 1_000,
  held_events_max: 100,
  // An entry holds one message's rows (at most about twice BODY_BYTES_MAX, which is at most
  // 512 KiB on Cloudflare), so a page stays well under the 32 MiB limit of a Durable Object
  // RPC, even for a payment with a backlog of large events after an outage.
  outbox_page_entries_max: 16,
  flush_backoff_ms_initial: 500,
  flush_backoff_ms_max: 30_000,
  inspection_events_max: 1_000,
  finished_retention_ms: 35 * 24 * 3_600_000,
};
