/**
 * Crash safety of the Bun host (DESIGN.md section 3, guarantees 2 and 3): the host runs as a
 * child process (src/hosts/bun/main.ts) and is SIGKILLed at random points, several times,
 * while signed webhooks stream at it; it restarts on the same DATA_DIR (and DATABASE_URL).
 * The sender retries what was not acknowledged. In the end every acknowledged event must be
 * applied exactly once, in sequence order, with no dead letters, and Postgres must hold one
 * payment_events row per event, projections at the actors' versions, and a ledger that
 * balances and equals what the events imply. After every kill the state left on disk is
 * checked too (copies of the files; see test/support/crash-checks.ts), which is where a sink
 * that loses committed rows or corrupts itself on SIGKILL shows up.
 *
 * Runs on embedded PGlite (the product default) and on a real PostgreSQL when one can be
 * started (REQUIRE_POSTGRES=1 turns its absence into a failure). CRASH_SEED=<n> replays a
 * run's kill points and event stream; CRASH_KEEP_DIR=1 keeps DATA_DIR for a post-mortem.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { killStartedHosts } from "../support/crash-host.ts";
import { removeScenarioDirs, runCrashScenario, type KillPlan, type ScenarioReport } from "../support/crash-scenario.ts";
import { optionalPostgres } from "../support/postgres-server.ts";

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e9));
const PAYMENTS = 300;
const CONCURRENCY = 16;

/** Five SIGKILLs (six starts) per run, at random points within each phase. */
const KILLS: KillPlan[] = [
  // While webhooks stream in (accepting, processing and flushing all at once).
  { phase: "ingest", ack_fraction: [0.1, 0.25] },
  // Soon after a restart, while the host opens its databases, migrates, restores alarms
  // and resumes the backlog the previous kill left.
  { phase: "startup", after_ms: [50, 1_000] },
  { phase: "ingest", ack_fraction: [0.35, 0.5] },
  // After a burst was acknowledged, while actors work off their inboxes and outboxes.
  { phase: "drain", send_fraction: 0.65, after_ms: [0, 40] },
  { phase: "ingest", ack_fraction: [0.7, 0.9] },
];

const postgres = await optionalPostgres("crash-safety");

afterAll(async () => {
  await killStartedHosts();
  removeScenarioDirs();
  await postgres.server?.stop();
});

function summarize(report: ScenarioReport): string {
  const kills = report.kills
    .map(
      (kill) =>
        `  kill ${kill.cycle} ${kill.phase.padEnd(7)} at ${String(kill.at_ms).padStart(5)} ms after spawn (ready at ${kill.ready_ms ?? "-"} ms), listening=${kill.host_listening_at_kill}, ` +
        `acked ${kill.acked_at_kill}, backlog gauge ${kill.metrics_at_kill.outbox_backlog_entries ?? "-"}; ` +
        `durable: applied ${kill.durable.applied}, inbox ${kill.durable.inbox}, outbox ${kill.durable.outbox_entries}, held ${kill.durable.held}, stalled ${kill.durable.stalled}; ` +
        `sink: ${kill.sink.error ?? `${kill.sink.events} events, ${kill.sink.transfers} transfers, ${kill.sink.problems} problems, ${kill.sink.amchecked}`} (${kill.sink.check_ms} ms)`,
    )
    .join("\n");
  return (
    `crash-safety ${report.label} seed=${report.seed}: ${report.events_sent_distinct} events (${report.deliveries} deliveries), ` +
    `${report.requests_sent} requests, statuses ${JSON.stringify(report.statuses)}; first start ready in ${report.first_ready_ms} ms, last in ${report.final_ready_ms} ms\n${kills}\n` +
    `  resend-all ${JSON.stringify(report.final_round)}, drained in ${report.drain_ms ?? "-"} ms, scenario ${report.elapsed_ms} ms, ` +
    `${report.problems.length} problems${report.problems.length ? ":\n    " + report.problems.join("\n    ") : ""}`
  );
}

describe("crash safety: SIGKILL the Bun host at random points", () => {
  test(
    "embedded PGlite: nothing acknowledged is lost or applied twice, and the sink is intact",
    async () => {
      const report = await runCrashScenario({
        label: "pglite",
        seed: SEED,
        payments: PAYMENTS,
        concurrency: CONCURRENCY,
        kills: KILLS,
        amcheck: true,
        log: (line) => console.log(line),
      });
      console.log(summarize(report));
      expect(report.kills.length).toBe(KILLS.length);
      expect(report.problems).toEqual([]);
    },
    60_000,
  );

  // CI sets REQUIRE_POSTGRES=1, which makes a missing server fail this test instead of skipping it.
  postgres.test(
    "PostgreSQL (DATABASE_URL): nothing acknowledged is lost or applied twice",
    async () => {
      const report = await runCrashScenario({
        label: "postgres",
        database_url: postgres.url(),
        seed: SEED + 1,
        payments: PAYMENTS,
        concurrency: CONCURRENCY,
        kills: KILLS,
        amcheck: false,
        log: (line) => console.log(line),
      });
      console.log(summarize(report));
      expect(report.kills.length).toBe(KILLS.length);
      expect(report.problems).toEqual([]);
    },
    60_000,
  );
});
