/** The actors' counters and histograms, exposed through the Prometheus registry (both hosts). */
import type { ActorCounter, ActorHistogram, ActorMetrics } from "../../actors/payment/actor-metrics.ts";
import type { Counter, Histogram, MetricsRegistry } from "../http/metrics.ts";

const COUNTER_HELP: Record<ActorCounter, string> = {
  events_processed: "Events applied to a payment.",
  events_held: "Events put in a reorder buffer to wait for an earlier event.",
  events_dead_lettered: "Messages moved to a dead-letter queue.",
  retries_scheduled: "Transient failures scheduled for another attempt.",
  outage_waits: "Messages put back to wait for a shared dependency that is down, without spending an attempt.",
  fraud_decisions_degraded: "Fraud decisions taken without velocity because the velocity store could not answer (FRAUD_FAIL_OPEN).",
  sink_flushes: "Outbox pages written to Postgres.",
  sink_flush_failures: "Outbox flushes that failed and will be retried.",
  sink_rows_flushed: "Rows written to Postgres by outbox flushes.",
  outbox_entries_added: "Outbox entries committed by actors.",
  outbox_entries_flushed: "Outbox entries written to Postgres and removed.",
  outbox_entries_dead_lettered: "Outbox entries Postgres refused for good, removed to a dead letter of stage sink (a replay adds them again).",
  payments_retired: "Finished payments whose rows left actor storage after the retention time (FINISHED_RETENTION_DAYS).",
};

const HISTOGRAM_HELP: Record<ActorHistogram, string> = {
  processing_latency_ms: "Time from acceptance to the event being applied, held or dead-lettered.",
  flush_latency_ms: "Time to write one outbox page to Postgres.",
  accepted_to_postgres_ms: "Time from acceptance to the applied event being written to Postgres.",
};

/** Finer buckets where the question is "how far behind is Postgres" (the default is the registry's). */
const HISTOGRAM_BUCKETS_MS: Partial<Record<ActorHistogram, number[]>> = {
  accepted_to_postgres_ms: [5, 10, 25, 50, 75, 100, 150, 200, 250, 350, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000],
};

/**
 * `outbox_backlog_at_start`: the outbox entries stored when the process started, so the
 * backlog gauge is exact; null where no process sees every actor (a Cloudflare isolate: the
 * backlog there is each payment's, seen by GET /payments/:id), and the gauge is left out
 * rather than shown as added minus flushed in one isolate, which can go negative.
 */
export function actorMetrics(registry: MetricsRegistry, outbox_backlog_at_start: number | null): ActorMetrics {
  const counters = new Map<ActorCounter, Counter>();
  for (const [name, help] of Object.entries(COUNTER_HELP)) counters.set(name as ActorCounter, registry.counter(`${name}_total`, help));
  const histograms = new Map<ActorHistogram, Histogram>();
  for (const [name, help] of Object.entries(HISTOGRAM_HELP)) {
    histograms.set(name as ActorHistogram, registry.histogram(name, help, HISTOGRAM_BUCKETS_MS[name as ActorHistogram]));
  }
  if (outbox_backlog_at_start !== null) {
    registry.gauge(
      "outbox_backlog_entries",
      "Outbox entries committed by actors and not yet written to Postgres.",
      () => {
        const removed = counters.get("outbox_entries_flushed")!.value() + counters.get("outbox_entries_dead_lettered")!.value();
        return outbox_backlog_at_start + counters.get("outbox_entries_added")!.value() - removed;
      },
    );
  }
  return {
    increment: (counter, by = 1) => counters.get(counter)!.increment(by),
    observe: (histogram, value_ms) => histograms.get(histogram)!.observe(value_ms),
  };
}
