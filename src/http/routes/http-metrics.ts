import type { MetricsRegistry } from "../metrics.ts";

export function httpMetrics(registry: MetricsRegistry) {
  return {
    outcomes: registry.counter("webhook_events_total", "Webhook events acknowledged, by outcome (accepted or duplicate)."),
    rejected: registry.counter("webhook_rejections_total", "Webhook requests refused, by reason."),
    client_disconnects: registry.counter("http_client_disconnects_total", "Requests whose client went away before the body was read."),
    acceptance_latency: registry.histogram("webhook_acceptance_latency_ms", "Time from request to durable acknowledgement."),
  };
}
