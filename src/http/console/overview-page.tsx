/** @jsxImportSource hono/jsx */
/** GET /console: the pipeline at a glance. /console/assets/console.js refreshes it while open. */
import { Badge, Page } from "./layout.tsx";
import type { PipelineFigures } from "./pipeline.ts";

const ms = (value: number | null) => (value === null ? "—" : value === Infinity ? "> 60000 ms" : `≤ ${value} ms`);
const orDash = (value: number | null) => (value === null ? "not reported" : String(value));

export function OverviewPage(props: { csrf: string; figures: PipelineFigures }) {
  const { figures } = props;
  const isolate = figures.scope === "isolate";
  return (
    <Page title="Pipeline" section="overview" csrf={props.csrf} scripts={["/console/assets/console.js"]}>
      <h1>
        Pipeline <span class="count" data-figure="observed_at">as of {new Date(figures.observed_at_ms).toISOString()}</span>
      </h1>
      {isolate && (
        <p class="notice info">
          Per-isolate figures: on Cloudflare every Worker isolate and Durable Object keeps its own counters, so these are the figures of the isolate that answered this
          page, not of the whole deployment. Use the Grafana dashboard over every isolate's /metrics for totals.
        </p>
      )}
      <section aria-labelledby="rates-title" class="cards">
        <h2 id="rates-title" class="visually-hidden">Throughput</h2>
        <Card label="Accepted / s" figure="rate_accepted" note={`${figures.totals.accepted} accepted${isolate ? " (this isolate)" : ""}`} note_figure="accepted" />
        <Card label="Processed / s" figure="rate_processed" note={`${figures.totals.processed} applied`} note_figure="processed" />
        <Card label="Dead-lettered / s" figure="rate_dead_lettered" note={`${figures.totals.dead_lettered} dead-lettered`} note_figure="dead_lettered" />
        <Card label="Processing backlog" figure="processing_backlog" initial={orDash(figures.processing_backlog)} note="actors with due work" />
        <Card label="Outbox backlog" figure="outbox_backlog_entries" initial={orDash(figures.outbox_backlog_entries)} note="entries not yet in Postgres" />
        <Card
          label="Accepted → Postgres p99"
          figure="postgres_p99"
          initial={ms(figures.accepted_to_postgres_ms.p99)}
          note={`p50 ${ms(figures.accepted_to_postgres_ms.p50)} · ${figures.accepted_to_postgres_ms.count} events`}
          note_figure="postgres_p50"
        />
      </section>
      <section aria-labelledby="chart-title" class="chart-box">
        <h2 id="chart-title">Events per second <span class="count">last 2 minutes, sampled every 2 s while this page is open</span></h2>
        <div class="chart-head">
          <span data-figure="chart_max">waiting for a second sample</span>
          <span>now</span>
        </div>
        <svg id="rates-chart" viewBox="0 0 600 140" role="img" aria-label="Accepted, processed and dead-lettered events per second over the last two minutes" preserveAspectRatio="none">
          <line x1="0" y1="139" x2="600" y2="139" class="axis" />
          <line x1="0" y1="70" x2="600" y2="70" class="grid" />
          <polyline data-series="accepted" class="series accepted" points="" />
          <polyline data-series="processed" class="series processed" points="" />
          <polyline data-series="dead_lettered" class="series dead" points="" />
        </svg>
        <p class="legend">
          <span class="key accepted"></span> accepted <span class="key processed"></span> processed <span class="key dead"></span> dead-lettered
        </p>
      </section>
      <section aria-labelledby="health-title">
        <h2 id="health-title">
          Dependencies <Badge tone={figures.health.status === "ok" ? "ok" : "bad"}>{figures.health.status}</Badge>
        </h2>
        <table id="health-table">
          <thead>
            <tr><th scope="col">Dependency</th><th scope="col">Status</th><th scope="col">Details</th></tr>
          </thead>
          <tbody>
            {Object.entries(figures.health.checks).map(([name, check]) => {
              const { status, ...details } = check;
              return (
                <tr>
                  <th scope="row">{name}</th>
                  <td><Badge tone={status === "ok" ? "ok" : "bad"}>{status}</Badge></td>
                  <td><code>{Object.keys(details).length ? JSON.stringify(details) : "—"}</code></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </Page>
  );
}

function Card(props: { label: string; figure: string; initial?: string; note: string; note_figure?: string }) {
  return (
    <div class="card">
      <div class="label">{props.label}</div>
      <div class="figure" data-figure={props.figure} aria-live="polite">
        {props.initial ?? "…"}
      </div>
      <div class="note" data-figure={props.note_figure}>
        {props.note}
      </div>
    </div>
  );
}
