/**
 * POST /webhooks/:source: verify as the source's provider, map the body to canonical events,
 * accept every one durably, then answer as the provider expects. GET /webhooks/ignored
 * (admin): provider events acknowledged without a canonical event.
 */
import { Hono } from "hono";
import { DEFAULT_LIMITS } from "../../core/config.ts";
import { IgnoredEvents } from "../../ingest/ignored-events.ts";
import type { ProviderRequest } from "../../ingest/provider.ts";
import { PROVIDERS } from "../../ingest/providers/registry.ts";
import { readBody } from "../../ingest/read-body.ts";
import { mergeWebhookSources, type WebhookSource } from "../../ingest/webhook-sources.ts";
import { ignoredQuerySchema, parseInput } from "../admin-input.ts";
import type { AppDependencies } from "../ports.ts";
import { HttpProblem } from "../problem.ts";
import { acceptEvents, OVERLOADED } from "./accept-events.ts";
import { httpMetrics } from "./http-metrics.ts";

const OUTCOME_LABELS = { accepted: { outcome: "accepted" }, duplicate: { outcome: "duplicate" } } as const;
/** Provider types become metric labels only after the signature verified; this bounds their shape. */
const TYPE_LABEL_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `receive`: the public POST; `admin`: the routes app.ts mounts behind admin auth. */
export function webhookRoutes(deps: AppDependencies) {
  const metrics = httpMetrics(deps.metrics);
  const sources = webhookSources(deps);
  const list_entries_max = deps.list_entries_max ?? DEFAULT_LIMITS.list_entries_max;
  const ignored = new IgnoredEvents(list_entries_max);
  const ignored_total = deps.metrics.counter(
    "webhook_provider_events_ignored_total",
    "Provider events acknowledged without a canonical event, by provider, type and reason (GET /webhooks/ignored lists the latest).",
  );

  const admin = new Hono().get("/webhooks/ignored", (c) => {
      const query = parseInput(ignoredQuerySchema(list_entries_max), c.req.query(), "invalid_limit");
      const entries = ignored.list(query);
      return c.json({ ignored: entries, count: entries.length });
    });
  const receive = new Hono().post("/webhooks/:source", async (c) => {
      const started = deps.now();
      const name = c.req.param("source");
      const source = Object.hasOwn(sources, name) ? sources[name] : undefined;
      if (!source) throw new HttpProblem(404, "unknown_source", `no webhook source named "${name}" is configured`);
      const provider = PROVIDERS[source.provider];
      if (deps.actors.overloaded?.()) throw OVERLOADED;

      const body = await readBody(c.req.raw, deps.body_bytes_max);
      if (!body.ok) throw HttpProblem.of(413, body.error);
      const request: ProviderRequest = { header: (header) => c.req.header(header) ?? null, body: body.value, now_ms: deps.now(), hmac: deps.hmac_sha256, json_limits: deps.json_limits };

      const verified = await provider.verify(request, source);
      if (!verified.ok) throw HttpProblem.of(401, verified.error);
      const mapped = provider.map(request, source);
      if (!mapped.ok) throw HttpProblem.of(mapped.error.code === "unsupported_content_type" ? 415 : 400, mapped.error);

      // Recorded before acceptance: a retried delivery counts its ignored events again, which
      // over-counts a gap rather than hiding one.
      for (const entry of mapped.value.ignored) {
        const type = TYPE_LABEL_PATTERN.test(entry.provider_event_type) ? entry.provider_event_type : "other";
        ignored_total.increment(1, { provider: source.provider, type, reason: entry.reason });
        const record = { ...entry, source: source.name, provider: source.provider, received_at: new Date(deps.now()).toISOString() };
        ignored.record(record);
        // One line per ignored event: the trail that outlives this process (Workers Logs on Cloudflare).
        console.warn(`provider event ignored: ${JSON.stringify(record)}`);
      }

      // A refusal throws; app.onError counts it in webhook_rejections_total.
      const outcomes = await acceptEvents(deps.actors, mapped.value.events);
      for (const outcome of outcomes) metrics.outcomes.increment(1, OUTCOME_LABELS[outcome]);
      metrics.acceptance_latency.observe(deps.now() - started);
      const overall = outcomes.length === 0 ? "ignored" : outcomes.includes("accepted") ? "accepted" : "duplicate";
      const answer = provider.acknowledge(overall, outcomes.length);
      return c.body(answer.body, answer.status, { "content-type": answer.content_type });
    });
  return { receive, admin };
}

function webhookSources(deps: AppDependencies): Record<string, WebhookSource> {
  if (deps.webhook_sources) return deps.webhook_sources;
  const merged = mergeWebhookSources(
    Object.fromEntries(Object.entries(deps.webhook_secrets).map(([name, list]) => [name, [...list]])),
    undefined,
  );
  if (!merged.ok) throw new Error(merged.error.message);
  return merged.value;
}
