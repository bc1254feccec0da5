/** What the payment actor counts and times; the host decides how to expose it. */
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
  | "outbox_entries_flushed"
  | "outbox_entries_dead_lettered"
  | "payments_retired";

export type ActorHistogram = "processing_latency_ms" | "flush_latency_ms" | "accepted_to_postgres_ms";

/** What the actor reports; the host decides how to expose it (Prometheus on both hosts). */
export interface ActorMetrics {
  increment(counter: ActorCounter, by?: number): void;
  observe(histogram: ActorHistogram, value_ms: number): void;
}
