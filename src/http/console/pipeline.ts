/**
 * The pipeline at a glance, read from the app's own GET /metrics and GET /health: what the
 * overview renders and what its script polls (GET /console/pipeline.json) to draw rates.
 */
export interface PipelineFigures {
  observed_at_ms: number;
  /** "isolate" on Cloudflare: each isolate has its own registry, so figures are that isolate's only. */
  scope: "host" | "isolate";
  totals: { accepted: number; duplicate: number; kafka_records: number; processed: number; dead_lettered: number; held: number; retries: number };
  /** null where this host does not report it. */
  processing_backlog: number | null;
  outbox_backlog_entries: number | null;
  accepted_to_postgres_ms: { count: number; p50: number | null; p99: number | null; mean: number | null };
  health: { status: string; checks: Record<string, { status: string; [detail: string]: unknown }> };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]!] = label[2]!;
    const value = match[3] === "+Inf" ? Infinity : Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(where).every(([label, value]) => sample.labels[label] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

function present(samples: Sample[], name: string): number | null {
  return samples.some((sample) => sample.name === name) ? total(samples, name) : null;
}

/** A quantile from cumulative histogram buckets (summed over label sets): the upper bound of the bucket it falls in. */
export function histogramQuantile(samples: Sample[], name: string, quantile: number): number | null {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || sample.labels.le === undefined) continue;
    const bound = sample.labels.le === "+Inf" ? Infinity : Number(sample.labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  const count = sorted.at(-1)?.[1] ?? 0;
  if (count === 0) return null;
  for (const [bound, cumulative] of sorted) if (cumulative >= quantile * count) return bound;
  return null;
}

export function pipelineFigures(metrics_text: string, health: PipelineFigures["health"], observed_at_ms: number, scope: PipelineFigures["scope"]): PipelineFigures {
  const samples = parsePrometheus(metrics_text);
  const count = total(samples, "accepted_to_postgres_ms_count");
  const sum = total(samples, "accepted_to_postgres_ms_sum");
  return {
    observed_at_ms,
    scope,
    totals: {
      accepted: total(samples, "webhook_events_total", { outcome: "accepted" }),
      duplicate: total(samples, "webhook_events_total", { outcome: "duplicate" }),
      kafka_records: total(samples, "kafka_consumer_records_total"),
      processed: total(samples, "events_processed_total"),
      dead_lettered: total(samples, "events_dead_lettered_total"),
      held: total(samples, "events_held_total"),
      retries: total(samples, "retries_scheduled_total"),
    },
    processing_backlog: present(samples, "processing_backlog"),
    outbox_backlog_entries: present(samples, "outbox_backlog_entries"),
    accepted_to_postgres_ms: {
      count,
      p50: histogramQuantile(samples, "accepted_to_postgres_ms", 0.5),
      p99: histogramQuantile(samples, "accepted_to_postgres_ms", 0.99),
      mean: count > 0 ? Math.round(sum / count) : null,
    },
    health,
  };
}
