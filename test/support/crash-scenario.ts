/**
 * The crash scenario behind test/crash/crash-safety.test.ts: the Bun host as a child process,
 * signed webhooks streamed at it with some concurrency, SIGKILL at random points in several
 * phases (ingest, drain, startup), restarts on the same DATA_DIR (and DATABASE_URL), and a
 * sender that retries what was not acknowledged. After every kill the state left on disk is
 * checked (copies only); after the last restart everything is sent again, the host is
 * drained, stopped with SIGTERM, and the sink is read from this process.
 *
 * Findings are collected into `problems` rather than thrown, so one run reports all of them.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaymentEvent } from "../../src/core/event.ts";
import type { Transfer } from "../../src/core/ledger.ts";
import { accountTotals } from "./ledger-totals.ts";
import { eventStream, random } from "../../scripts/lib/event-stream.ts";
import { signAll } from "../../scripts/lib/sender.ts";
import type { SinkDatabase } from "../../src/sink/database.ts";
import { openSink } from "../../src/sink/open-sink.ts";
import { ledgerAccounts, listDeadLetters, countPaymentEvents } from "../../src/sink/queries.ts";
import { ledgerTotals } from "./sink-reads.ts";
import { payment_events, payments as payments_table, ledger_transfers } from "../../src/sink/schema.ts";
import { count } from "drizzle-orm";
import { expectedAccounts, snapshotActors, snapshotPglite, snapshotPostgres, stalledActors, type SinkSnapshot } from "./crash-checks.ts";
import { scrapeMetric, spawnHost, type HostProcess } from "./crash-host.ts";
import { AckLedger, sendRound, type Delivery } from "./crash-sender.ts";

export type KillPlan =
  | { phase: "ingest"; ack_fraction: [number, number] }
  | { phase: "drain"; send_fraction: number; after_ms: [number, number] }
  | { phase: "startup"; after_ms: [number, number] };

export interface ScenarioOptions {
  label: string;
  /** Unset: embedded PGlite in DATA_DIR/postgres. */
  database_url?: string;
  seed: number;
  payments: number;
  concurrency: number;
  kills: KillPlan[];
  /** Run amcheck on the PGlite copy after each kill (costs about a second each). */
  amcheck: boolean;
  log?: (line: string) => void;
}

export interface KillRecord {
  cycle: number;
  phase: KillPlan["phase"];
  /** ms from the host's spawn to the SIGKILL. */
  at_ms: number;
  /** ms from the host's spawn until GET /health answered 200 (null: killed before). */
  ready_ms: number | null;
  acked_at_kill: number;
  host_ready_at_kill: boolean;
  /** Whether main.ts had printed its "listening" banner (startBunHost had returned). */
  host_listening_at_kill: boolean;
  metrics_at_kill: Record<string, number | null>;
  /** Durable state found after the kill. */
  durable: { applied: number; inbox: number; outbox_entries: number; held: number; stalled: number };
  sink: { error: string | null; events: number; transfers: number; problems: number; amchecked: string; check_ms: number };
}

export interface ScenarioReport {
  label: string;
  seed: number;
  events_sent_distinct: number;
  deliveries: number;
  requests_sent: number;
  statuses: Record<string, number>;
  kills: KillRecord[];
  final_round: Record<string, number>;
  /** ms from spawn to ready, of the first and the last start. */
  first_ready_ms: number | null;
  final_ready_ms: number | null;
  drain_ms: number | null;
  elapsed_ms: number;
  problems: string[];
}

const HOLD_TIMEOUT_MS = 24 * 3_600_000;
const READY_TIMEOUT_MS = 20_000;
const data_dirs = new Set<string>();

/** Removes the DATA_DIRs of scenarios that did not get to clean up (a test timed out). */
export function removeScenarioDirs(): void {
  for (const dir of data_dirs) rmSync(dir, { recursive: true, force: true });
  data_dirs.clear();
}

export async function runCrashScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const data_dir = mkdtempSync(join(tmpdir(), `crash-${options.label}-`));
  data_dirs.add(data_dir);
  const env: Record<string, string> = { DATA_DIR: data_dir, HOLD_TIMEOUT_MS: String(HOLD_TIMEOUT_MS) };
  if (options.database_url) env.DATABASE_URL = options.database_url;
  const next = random(options.seed);
  const between = ([low, high]: [number, number]) => low + next() * (high - low);

  const events = eventStream({
    payments: options.payments,
    duplicate_ratio: 0.1,
    shuffle_ratio: 0.15,
    seed: options.seed,
    prefix: `pay_${options.label}_${options.seed}`,
  });
  const distinct = new Map(events.map((event) => [event.id, event]));
  const by_payment = new Map<string, Set<string>>();
  for (const event of distinct.values()) {
    const set = by_payment.get(event.payment_id) ?? new Set();
    set.add(event.id);
    by_payment.set(event.payment_id, set);
  }

  const problems: string[] = [];
  const kills: KillRecord[] = [];
  const ledger = new AckLedger();
  const report: ScenarioReport = {
    label: options.label,
    seed: options.seed,
    events_sent_distinct: distinct.size,
    deliveries: events.length,
    requests_sent: 0,
    statuses: {},
    kills,
    final_round: {},
    first_ready_ms: null,
    final_ready_ms: null,
    drain_ms: null,
    elapsed_ms: 0,
    problems,
  };
  let host: HostProcess | null = null;

  try {
    // First start: never killed, it creates DATA_DIR/secrets.json that the sender needs.
    host = await spawnHost(env);
    if (!(await host.waitReady(READY_TIMEOUT_MS))) throw new Error(`the host did not become ready:\n${host.output()}`);
    report.first_ready_ms = host.ready_ms;
    const secrets = JSON.parse(readFileSync(join(data_dir, "secrets.json"), "utf8")) as {
      webhook_secrets: Record<string, string[]>;
      admin_token: string;
    };
    const requests = await signAll(events, secrets.webhook_secrets.dev![0]!);
    const deliveries: Delivery[] = events.map((event, index) => ({ event, request: requests[index]! }));

    for (const [index, plan] of options.kills.entries()) {
      const cycle = index + 1;
      if (host === null) host = await spawnHost(env);
      const current = host;
      const stop = { stopped: false };
      let sending: Promise<void> = Promise.resolve();
      let metrics: Record<string, number | null> = {};
      const phase = `cycle ${cycle} (${plan.phase})`;

      if (plan.phase === "startup") {
        // Kill while the host may still be opening its databases, migrating, or restoring alarms.
        void current.waitReady(plan.after_ms[1]);
        await Bun.sleep(between(plan.after_ms));
      } else {
        if (!current.ready && !(await current.waitReady(READY_TIMEOUT_MS))) {
          problems.push(`${phase}: the host did not become ready after a restart (${current.exited() ? "it exited" : `not within ${READY_TIMEOUT_MS} ms`}):\n${current.output().slice(-3000)}`);
          return report;
        }
        if (plan.phase === "ingest") {
          const target = Math.floor(distinct.size * between(plan.ack_fraction));
          sending = sendRound(current.url, deliveries, ledger, {
            concurrency: options.concurrency,
            phase,
            deadline_at: Date.now() + 20_000,
            only_unacked: true,
            repeat: true,
            stop,
          });
          let done = false;
          void sending.finally(() => (done = true));
          const deadline = Date.now() + 20_000;
          while (ledger.acked.size < target && !done && Date.now() < deadline) await Bun.sleep(1);
          await Bun.sleep(next() * 20);
        } else {
          const prefix = deliveries.slice(0, Math.floor(deliveries.length * plan.send_fraction));
          await sendRound(current.url, prefix, ledger, {
            concurrency: options.concurrency,
            phase,
            deadline_at: Date.now() + 20_000,
            only_unacked: true,
            repeat: true,
            stop,
          });
          await Bun.sleep(between(plan.after_ms));
        }
        metrics = await scrapeMetric(current.url, ["outbox_backlog_entries", "events_processed_total", "sink_flushes_total"], 200);
      }

      if (current.exited()) {
        problems.push(`${phase}: the host exited by itself before the planned SIGKILL:\n${current.output().slice(-3000)}`);
      }
      const host_ready_at_kill = current.ready;
      const host_listening_at_kill = current.output().includes("payment actors listening");
      const at_ms = Math.round(performance.now() - current.spawned_at);
      const exit = await current.stop("SIGKILL");
      stop.stopped = true;
      await sending;
      host = null;
      log(`${options.label}: ${phase}: SIGKILL at ${at_ms} ms (${exit}), ${ledger.acked.size}/${distinct.size} acknowledged`);
      kills.push(await checkAfterKill({ cycle, plan, phase, at_ms, ready_ms: current.ready_ms, host_ready_at_kill, host_listening_at_kill, metrics }));
    }

    // Last start: deliver what is left, then everything once more, then drain.
    host ??= await spawnHost(env);
    if (!host.ready && !(await host.waitReady(READY_TIMEOUT_MS))) {
      problems.push(`final start: the host did not become ready (${host.exited() ? "it exited" : `not within ${READY_TIMEOUT_MS} ms`}):\n${host.output().slice(-3000)}`);
      return report;
    }
    report.final_ready_ms = host.ready_ms;
    await sendRound(host.url, deliveries, ledger, {
      concurrency: options.concurrency,
      phase: "final",
      deadline_at: Date.now() + 20_000,
      only_unacked: true,
      repeat: true,
    });
    const unacked = [...distinct.keys()].filter((id) => !ledger.acked.has(id));
    if (unacked.length > 0) problems.push(`${unacked.length} events never acknowledged after the last restart, e.g. ${unacked.slice(0, 5).join(", ")}`);

    const final_round = new Map<string, number>();
    const unexpected: string[] = [];
    await sendRound(host.url, deliveries, ledger, {
      concurrency: options.concurrency,
      phase: "resend-all",
      deadline_at: Date.now() + 20_000,
      only_unacked: false,
      repeat: false,
      observe: (delivery, status, outcome) => {
        const key = outcome === null ? String(status) : `202 ${outcome}`;
        final_round.set(key, (final_round.get(key) ?? 0) + 1);
        if (status !== 202 && unexpected.length < 5) unexpected.push(`${delivery.event.id}: ${status}`);
      },
    });
    report.final_round = Object.fromEntries(final_round);
    const answered_202 = (final_round.get("202 accepted") ?? 0) + (final_round.get("202 duplicate") ?? 0);
    if (answered_202 !== deliveries.length) {
      problems.push(`resending everything: ${answered_202}/${deliveries.length} answered 202 (${JSON.stringify(report.final_round)}), e.g. ${unexpected.join("; ")}`);
    }
    for (const lost of ledger.reaccepted.slice(0, 20)) {
      problems.push(`acknowledged event ${lost.event_id} (first acknowledged in ${lost.first_acked_in}) was answered "accepted" again in ${lost.reaccepted_in}: the host had forgotten it`);
    }
    if (ledger.reaccepted.length > 20) problems.push(`... and ${ledger.reaccepted.length - 20} more re-accepted events`);

    // Drain: every payment at version = its distinct events, nothing held, queued or unflushed.
    const drain_started = performance.now();
    const views = await waitDrained(host.url, secrets.admin_token, by_payment, 25_000);
    const not_drained = [...by_payment.keys()].filter((id) => !drained(views.get(id), by_payment.get(id)!.size));
    if (not_drained.length === 0) report.drain_ms = Math.round(performance.now() - drain_started);
    else {
      const sample = not_drained.slice(0, 5).map((id) => {
        const view = views.get(id);
        return view === undefined
          ? `${id}: no answer`
          : `${id}: version ${view.version}/${by_payment.get(id)!.size}, inbox ${view.inbox.length}, held ${view.held.length}, retries ${view.retries.length}, outbox ${view.outbox.pending}`;
      });
      problems.push(`${not_drained.length} payments did not drain (no progress for 5 s, or 25 s passed): ${sample.join("; ")}`);
    }

    // The actors' own view.
    const actor_versions = new Map<string, number>();
    const event_versions = new Map<string, number>();
    const journal_transfers: Array<Transfer & { currency: string }> = [];
    let dead = 0;
    for (const [payment_id, ids] of by_payment) {
      const view = views.get(payment_id);
      if (view === undefined) continue;
      actor_versions.set(payment_id, view.version);
      const seen = view.events.map((event) => event.id);
      if (new Set(seen).size !== seen.length) problems.push(`${payment_id}: an event was applied twice: ${seen.join(", ")}`);
      const sequences = view.events.map((event) => event.sequence);
      if (sequences.some((sequence, index) => sequence !== index + 1)) problems.push(`${payment_id}: events applied out of sequence order: ${sequences.join(",")}`);
      if (view.version !== view.events.length) problems.push(`${payment_id}: version ${view.version} but ${view.events.length} events listed`);
      const missing = [...ids].filter((id) => !seen.includes(id));
      if (missing.length > 0 && drained(view, ids.size)) problems.push(`${payment_id}: acknowledged events not applied: ${missing.join(", ")}`);
      const foreign = seen.filter((id) => !ids.has(id));
      if (foreign.length > 0) problems.push(`${payment_id}: events applied that were never sent: ${foreign.join(", ")}`);
      for (const event of view.events) event_versions.set(event.id, event.version);
      dead += view.dead_letters.length;
      for (const letter of view.dead_letters.slice(0, 3)) problems.push(`${payment_id}: dead letter ${letter.event_id}: ${letter.reason} (${letter.error.class}: ${letter.error.message})`);
      for (const journal of view.journals) for (const transfer of journal.transfers) journal_transfers.push({ ...transfer, currency: journal.currency });
    }
    if (dead > 0) problems.push(`${dead} dead letters in the actors`);

    // A clean stop, then the sink from this process.
    const exit = await host.stop("SIGTERM", 20_000);
    if (exit !== "exit 0" || !host.output().includes("stopped cleanly")) problems.push(`SIGTERM stop: ${exit}\n${host.output().slice(-2000)}`);
    host = null;
    if (options.database_url === undefined) {
      const snapshot = await snapshotPglite(data_dir, { amcheck: options.amcheck });
      if (snapshot.error) problems.push(`after the clean stop: ${snapshot.error}`);
      for (const problem of snapshot.problems) problems.push(`after the clean stop: ${problem}`);
    }
    const sink = await openSink({ database_url: options.database_url, data_dir });
    try {
      await checkSink(sink, { distinct, by_payment, actor_versions, event_versions, journal_transfers, problems });
    } finally {
      await sink.close();
    }
  } catch (error) {
    problems.push(`scenario aborted: ${(error as Error).stack ?? String(error)}${host ? `\nhost output:\n${host.output().slice(-3000)}` : ""}`);
  } finally {
    if (host !== null) await host.stop("SIGKILL");
    report.requests_sent = ledger.sent;
    report.statuses = Object.fromEntries(ledger.statuses);
    report.elapsed_ms = Math.round(performance.now() - started);
    if (process.env.CRASH_KEEP_DIR === "1") log(`${options.label}: DATA_DIR kept at ${data_dir}`);
    else {
      rmSync(data_dir, { recursive: true, force: true });
      data_dirs.delete(data_dir);
    }
  }
  return report;

  async function checkAfterKill(context: {
    cycle: number;
    plan: KillPlan;
    phase: string;
    at_ms: number;
    ready_ms: number | null;
    host_ready_at_kill: boolean;
    host_listening_at_kill: boolean;
    metrics: Record<string, number | null>;
  }): Promise<KillRecord> {
    const { phase } = context;
    const actors = snapshotActors(data_dir);
    const seen = new Set<string>();
    const applied = new Set<string>();
    const flushed = new Set<string>();
    let inbox = 0;
    let outbox_entries = 0;
    let held = 0;
    for (const [payment_id, actor] of actors) {
      for (const id of actor.seen) seen.add(id);
      if (new Set(actor.applied).size !== actor.applied.length) problems.push(`${phase}: ${payment_id} has an event applied twice in actor storage`);
      for (const id of actor.applied) {
        applied.add(id);
        if (!actor.outbox_events.has(id)) flushed.add(id);
      }
      inbox += actor.inbox_count;
      outbox_entries += actor.outbox_count;
      held += actor.held_count;
    }
    const lost = [...ledger.acked.keys()].filter((id) => !seen.has(id));
    if (lost.length > 0) problems.push(`${phase}: ${lost.length} acknowledged events are not in actor storage after SIGKILL, e.g. ${lost.slice(0, 5).join(", ")}`);
    const stalled = stalledActors(actors);
    if (stalled.length > 0) {
      problems.push(
        `${phase}: ${stalled.length} payments have pending work but no durable alarm after SIGKILL (nothing will wake them on restart), e.g. ${stalled
          .slice(0, 5)
          .map((actor) => `${actor.payment_id} (inbox ${actor.inbox}, outbox ${actor.outbox})`)
          .join(", ")}`,
      );
    }

    let sink: SinkSnapshot;
    if (options.database_url === undefined) sink = await snapshotPglite(data_dir, { amcheck: options.amcheck });
    else sink = await snapshotPostgres(options.database_url);
    const driver = options.database_url === undefined ? "PGlite" : "PostgreSQL";
    if (sink.error) problems.push(`${phase}: ${sink.error}`);
    else {
      for (const problem of sink.problems) problems.push(`${phase}: ${driver}: ${problem}`);
      const missing = [...flushed].filter((id) => !sink.event_ids.has(id));
      if (missing.length > 0) {
        problems.push(`${phase}: ${driver} lost ${missing.length} payment_events rows whose flush had committed (the actor had removed them from its outbox), e.g. ${missing.slice(0, 5).join(", ")}`);
      }
      const ahead = [...sink.event_ids].filter((id) => !applied.has(id));
      if (ahead.length > 0) problems.push(`${phase}: ${driver} holds ${ahead.length} events the actors have not durably applied, e.g. ${ahead.slice(0, 5).join(", ")}`);
    }
    return {
      cycle: context.cycle,
      phase: context.plan.phase,
      at_ms: context.at_ms,
      ready_ms: context.ready_ms,
      acked_at_kill: ledger.acked.size,
      host_ready_at_kill: context.host_ready_at_kill,
      host_listening_at_kill: context.host_listening_at_kill,
      metrics_at_kill: context.metrics,
      durable: { applied: applied.size, inbox, outbox_entries, held, stalled: stalled.length },
      sink: {
        error: sink.error,
        events: sink.event_ids.size,
        transfers: sink.transfers,
        problems: sink.problems.length,
        amchecked: sink.amchecked.indexes + sink.amchecked.heaps > 0 ? `amcheck ${sink.amchecked.indexes} indexes, ${sink.amchecked.heaps} heaps` : "no amcheck",
        check_ms: Math.round(sink.elapsed_ms),
      },
    };
  }
}

// ---------------------------------------------------------------------------------------

interface PaymentView {
  payment_id: string;
  version: number;
  events: Array<{ id: string; sequence: number | null; version: number }>;
  inbox: unknown[];
  held: unknown[];
  retries: unknown[];
  dead_letters: Array<{ event_id: string; reason: string; error: { class: string; message: string } }>;
  journals: Array<{ currency: string; transfers: Transfer[] }>;
  outbox: { pending: number; next_flush_at: string | null };
}

function drained(view: PaymentView | undefined, events: number): view is PaymentView {
  return (
    view !== undefined &&
    view.version === events &&
    view.outbox.pending === 0 &&
    view.inbox.length === 0 &&
    view.held.length === 0 &&
    view.retries.length === 0
  );
}

/** Polls GET /payments/:id for every payment until all drained or the deadline; returns the last views. */
async function waitDrained(url: string, token: string, by_payment: Map<string, Set<string>>, timeout_ms: number): Promise<Map<string, PaymentView>> {
  const views = new Map<string, PaymentView>();
  const deadline = Date.now() + timeout_ms;
  let pending = [...by_payment.keys()];
  let last_progress = "";
  let last_progress_at = Date.now();
  while (pending.length > 0 && Date.now() < deadline) {
    let next = 0;
    const list = pending;
    const worker = async () => {
      while (next < list.length) {
        const id = list[next++]!;
        try {
          const response = await fetch(`${url}/payments/${encodeURIComponent(id)}`, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(5_000),
          });
          if (response.status === 200) views.set(id, (await response.json()) as PaymentView);
          else await response.arrayBuffer();
        } catch {}
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    pending = pending.filter((id) => !drained(views.get(id), by_payment.get(id)!.size));
    // Give up early when nothing moved for 5 s and nothing is waiting on a scheduled retry:
    // the remaining payments are stalled, and waiting out the deadline would only cost time.
    const progress = pending
      .map((id) => {
        const view = views.get(id);
        return view ? `${id}:${view.version}:${view.inbox.length}:${view.held.length}:${view.outbox.pending}` : id;
      })
      .join(",");
    if (progress !== last_progress) {
      last_progress = progress;
      last_progress_at = Date.now();
    }
    const backing_off = pending.some((id) => {
      const view = views.get(id);
      return view !== undefined && (view.retries.length > 0 || view.outbox.next_flush_at !== null);
    });
    if (!backing_off && Date.now() - last_progress_at > 5_000) break;
    if (pending.length > 0) await Bun.sleep(100);
  }
  return views;
}

async function checkSink(
  sink: SinkDatabase,
  context: {
    distinct: Map<string, PaymentEvent>;
    by_payment: Map<string, Set<string>>;
    actor_versions: Map<string, number>;
    event_versions: Map<string, number>;
    journal_transfers: Array<Transfer & { currency: string }>;
    problems: string[];
  },
): Promise<void> {
  const { distinct, by_payment, actor_versions, event_versions, journal_transfers, problems } = context;
  const where = `in Postgres (${sink.driver})`;

  // payment_events: exactly one row per acknowledged event, at the version the actor applied it.
  const rows = await sink.db.select({ event_id: payment_events.event_id, version: payment_events.version }).from(payment_events);
  const counted = await countPaymentEvents(sink);
  if (counted !== distinct.size || rows.length !== distinct.size) {
    problems.push(`${where}: payment_events has ${rows.length} rows (count ${counted}), expected ${distinct.size}`);
  }
  const ids = new Set(rows.map((row) => row.event_id));
  const missing = [...distinct.keys()].filter((id) => !ids.has(id));
  if (missing.length > 0) problems.push(`${where}: ${missing.length} acknowledged events have no payment_events row, e.g. ${missing.slice(0, 5).join(", ")}`);
  const extra = [...ids].filter((id) => !distinct.has(id));
  if (extra.length > 0) problems.push(`${where}: ${extra.length} payment_events rows for events never sent`);
  const wrong_version = rows.filter((row) => event_versions.has(row.event_id) && event_versions.get(row.event_id) !== row.version);
  if (wrong_version.length > 0) problems.push(`${where}: ${wrong_version.length} payment_events rows disagree with the actor on the version, e.g. ${JSON.stringify(wrong_version.slice(0, 3))}`);

  // payments: the projection at each actor's version.
  const projections = await sink.db.select({ payment_id: payments_table.payment_id, version: payments_table.version }).from(payments_table);
  const projected = new Map(projections.map((row) => [row.payment_id, row.version]));
  let mismatched = 0;
  const examples: string[] = [];
  for (const [payment_id, ids_of_payment] of by_payment) {
    const version = projected.get(payment_id);
    if (version !== actor_versions.get(payment_id) || version !== ids_of_payment.size) {
      mismatched += 1;
      if (examples.length < 5) examples.push(`${payment_id}: projection ${version}, actor ${actor_versions.get(payment_id)}, events ${ids_of_payment.size}`);
    }
  }
  if (mismatched > 0) problems.push(`${where}: ${mismatched} payments projections differ from the actors: ${examples.join("; ")}`);
  if (projections.length !== by_payment.size) problems.push(`${where}: payments has ${projections.length} rows, expected ${by_payment.size}`);

  // Ledger: balanced per currency, equal to what the events imply and to the actors' journals.
  const [transfers] = await sink.db.select({ n: count() }).from(ledger_transfers);
  if (Number(transfers?.n) !== journal_transfers.length) problems.push(`${where}: ledger_transfers has ${transfers?.n} rows, the actors' journals hold ${journal_transfers.length} transfers`);
  const expected = expectedAccounts([...distinct.values()]);
  const currencies = new Set([...distinct.values()].map((event) => event.data.currency!));
  const versus_events: string[] = [];
  const versus_journals: string[] = [];
  const format = (totals: { debits_pending: number; debits_posted: number; credits_pending: number; credits_posted: number } | undefined) =>
    totals ? [totals.debits_pending, totals.debits_posted, totals.credits_pending, totals.credits_posted].join("/") : "0/0/0/0";
  for (const currency of currencies) {
    const totals = await ledgerTotals(sink, currency);
    if (totals.debits_pending !== totals.credits_pending || totals.debits_posted !== totals.credits_posted) {
      problems.push(`${where}: ledger unbalanced in ${currency}: ${JSON.stringify(totals, (_, value) => (typeof value === "bigint" ? String(value) : value))}`);
    }
    const from_journals = accountTotals(journal_transfers.filter((transfer) => transfer.currency === currency));
    const actual = new Map(
      (await ledgerAccounts(sink, currency)).map((account) => [
        account.account,
        format({
          debits_pending: Number(account.debits_pending),
          debits_posted: Number(account.debits_posted),
          credits_pending: Number(account.credits_pending),
          credits_posted: Number(account.credits_posted),
        }),
      ]),
    );
    const accounts = new Set([...actual.keys(), ...from_journals.keys()]);
    for (const key of expected.keys()) if (key.startsWith(`${currency} `)) accounts.add(key.slice(currency.length + 1));
    for (const account of [...accounts].sort()) {
      const have = actual.get(account) ?? "0/0/0/0";
      const implied = format(expected.get(`${currency} ${account}`));
      const journaled = format(from_journals.get(account));
      if (have !== implied) versus_events.push(`${currency} ${account} is ${have}, the events imply ${implied}`);
      if (have !== journaled) versus_journals.push(`${currency} ${account} is ${have}, the actors' journals imply ${journaled}`);
    }
  }
  if (versus_events.length > 0) {
    problems.push(`${where}: ${versus_events.length} ledger accounts differ from what the events imply (debits pending/posted, credits pending/posted), e.g. ${versus_events.slice(0, 3).join("; ")}`);
  }
  if (versus_journals.length > 0) {
    problems.push(`${where}: ${versus_journals.length} ledger accounts differ from the transfers in the actors' journals, e.g. ${versus_journals.slice(0, 3).join("; ")}`);
  }

  const letters = await listDeadLetters(sink, { limit: 1000 });
  if (letters.length > 0) problems.push(`${where}: ${letters.length} dead_letters rows, e.g. ${letters[0]!.event_id}: ${letters[0]!.reason}`);
}
