/**
 * Recovery exists (issue 12): after a realistic stream reached Postgres (lifecycles with
 * captures and refunds, a dispute, a block and its dead letter, a rejected sequenced event,
 * events out of order, duplicates), actors.sqlite is deleted; the host refuses to start and
 * names `npm run recover`; the command rebuilds it from Postgres; the host then answers every
 * inspection, the dead letters and the ledger exactly as before, answers old redeliveries
 * `duplicate`, applies new events, and replays a dead letter. Run on the embedded PGlite and on
 * a real PostgreSQL server (DATABASE_URL).
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaymentEvent } from "../../src/core/event.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import { killStartedHosts, spawnHost } from "../support/crash-host.ts";
import { event } from "../support/events.ts";
import { randomWebhookSecret, sendSigned, type HttpTarget } from "../support/http-target.ts";
import { optionalPostgres } from "../support/postgres-server.ts";
import { adminJson, inspectPayment, poll, request, type Json } from "../http/suite/context.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const MAIN = join(ROOT, "src/hosts/bun/main.ts");
const RECOVER = join(ROOT, "scripts/recover.ts");
const CHILD_TIMEOUT_MS = 30_000;
const secret = randomWebhookSecret();
const admin_token = "r".repeat(32);
const BLOCKED_AMOUNT = 6666;
/** Long enough for the reordered payment's events to meet, short enough for the orphan capture to time out in the test. */
const HOLD_TIMEOUT_MS = 4_000;
const FRAUD_RULES = JSON.stringify({
  ...DEFAULT_FRAUD_RULES,
  rules: [
    ...DEFAULT_FRAUD_RULES.rules,
    { id: "test_block", when: { attribute: "amount", op: "==", value: BLOCKED_AMOUNT }, action: "block", mode: "enforce" },
    // A window the rules name themselves: its own velocity counter, restored like the named ones.
    { id: "test_card_burst", when: { attribute: "payments_per_card", window: "10m", op: ">", value: 50 }, action: "review", mode: "enforce" },
  ],
});

const postgres = await optionalPostgres("recovery");

const directories: string[] = [];
afterAll(async () => {
  await killStartedHosts();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  await postgres.server?.stop();
}, 60_000);

type Environment = Record<string, string>;

function environment(data_dir: string, database_url: string | null): Environment {
  return {
    DATA_DIR: data_dir,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN: admin_token,
    WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }),
    FRAUD_RULES,
    HOLD_TIMEOUT_MS: String(HOLD_TIMEOUT_MS),
    DATABASE_URL: database_url ?? "",
  };
}

/**
 * The host as an operator runs it: its own process, stopped with SIGINT (drained). A host
 * stopped inside the test process would leave its SQLite files open in it, and recovery
 * rightly refuses to run beside an open one.
 */
async function startHost(env: Environment): Promise<{ host: { stop(): Promise<void> }; target: HttpTarget }> {
  const child = await spawnHost(env);
  if (!(await child.waitReady(30_000))) throw new Error(`the host did not become ready: ${child.output()}`);
  const host = {
    async stop() {
      const exit = await child.stop("SIGINT", 30_000);
      if (exit !== "exit 0") throw new Error(`the host stopped with ${exit}: ${child.output()}`);
    },
  };
  return { host, target: { url: child.url, admin_token, webhook_secret: secret } as HttpTarget };
}

/** Runs a Bun script to its end (bounded), with only the given environment. */
async function run(script: string, env: Environment, args: string[] = []): Promise<{ exit_code: number | null; stdout: string; stderr: string }> {
  const child = Bun.spawn([process.execPath, "run", script, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  const [stdout, stderr, exit_code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { exit_code: child.signalCode === "SIGKILL" ? null : exit_code, stdout, stderr };
}

async function send(target: HttpTarget, body: PaymentEvent): Promise<string> {
  const response = await sendSigned(target, body);
  const text = await response.text();
  expect({ id: body.id, status: response.status, text }).toMatchObject({ status: 202 });
  return (JSON.parse(text) as { status: string }).status;
}

const card = { card: { fingerprint: "fp_recover", country: "US" }, ip: "203.0.113.9", ip_country: "US", customer_id: "c_recover" };

/** The stream: every kind of history a payment can have, its events in the order sent. */
function stream(run_id: string): { events: PaymentEvent[]; payments: string[] } {
  const id = (name: string) => `pay_${run_id}_${name}`;
  const refunded = id("refunded");
  const disputed = id("disputed");
  const canceled = id("canceled");
  const reordered = id("reordered");
  const rejected = id("rejected");
  const blocked = id("blocked");
  const orphan = id("orphan");
  const events: PaymentEvent[] = [
    event("payment.created", refunded, { amount: 5000, ...card }),
    event("payment.authorized", refunded, { amount: 5000 }),
    event("payment.captured", refunded, { amount: 4000, fee: 120 }),
    event("payment.refunded", refunded, { amount: 1000 }),
    event("payment.refunded", refunded, { amount: 500 }),
    event("payment.created", disputed, { amount: 2500, ...card }),
    event("payment.authorized", disputed, { amount: 2500 }),
    event("payment.captured", disputed, { amount: 2500, fee: 75 }),
    event("payment.dispute.opened", disputed, { amount: 2500 }),
    event("payment.dispute.lost", disputed, { amount: 2500 }),
    event("payment.created", canceled, { amount: 900, ...card }),
    event("payment.authorized", canceled, { amount: 900 }),
    event("payment.canceled", canceled),
    // Out of order: 3 and 2 wait in the reorder buffer until 1 arrives.
    event("payment.captured", reordered, { amount: 700, fee: 10 }, { sequence: 3 }),
    event("payment.authorized", reordered, { amount: 800 }, { sequence: 2 }),
    event("payment.created", reordered, { amount: 800, ...card }, { sequence: 1 }),
    // Sequence 3 is refused (it captures more than authorized) and uses its slot: 4 applies.
    event("payment.created", rejected, { amount: 300, ...card }, { sequence: 1 }),
    event("payment.authorized", rejected, { amount: 300 }, { sequence: 2 }),
    event("payment.captured", rejected, { amount: 999 }, { sequence: 3 }),
    event("payment.canceled", rejected, {}, { sequence: 4 }),
    // Blocked by the rules: its authorization is dead-lettered (payment_blocked).
    event("payment.created", blocked, { amount: BLOCKED_AMOUNT, ...card }),
    event("payment.authorized", blocked, { amount: BLOCKED_AMOUNT }),
    // A capture of a payment never seen waits for it, then times out: a payment whose only row in Postgres is its dead letter.
    event("payment.captured", orphan, { amount: 100, fee: 1 }),
  ];
  return { events, payments: [refunded, disputed, canceled, reordered, rejected, blocked, orphan] };
}

async function settled(target: HttpTarget, payments: readonly string[], events_total: number): Promise<void> {
  await poll(
    "every payment processed and in Postgres",
    async () => Promise.all(payments.map((payment_id) => inspectPayment(target, payment_id))),
    (views) => {
      const done = views.every((view) => view !== null && view.outbox.pending === 0 && view.inbox.length === 0 && view.held.length === 0);
      const handled = views.reduce((sum, view) => sum + (view?.counts.events ?? 0) + (view?.counts.dead_letters ?? 0), 0);
      return done && handled === events_total;
    },
    20_000,
  );
}

interface Observed {
  payments: Record<string, Json | null>;
  dead_letters: Json;
  ledger: Json;
}

async function observe(target: HttpTarget, payments: readonly string[]): Promise<Observed> {
  const views: Record<string, Json | null> = {};
  for (const payment_id of payments) views[payment_id] = await inspectPayment(target, payment_id);
  return {
    payments: views,
    dead_letters: await adminJson(target, "/dlq?limit=100"),
    ledger: await adminJson(target, "/ledger/accounts?currency=USD"),
  };
}

/** Rows of actors.sqlite that recovery must bring back exactly: keys of every row, values of state, events and journals, velocity. */
function actorRows(path: string): { keys: string[]; values: Record<string, unknown>; velocity: unknown[] } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.query("SELECT actor, key, value FROM actor_rows ORDER BY actor, key").all() as Array<{ actor: string; key: string; value: string }>;
    const values: Record<string, unknown> = {};
    for (const row of rows) {
      if (row.key === "state" || row.key.startsWith("event:") || row.key.startsWith("journal:")) values[`${row.actor}/${row.key}`] = JSON.parse(row.value);
    }
    const velocity = db.query("SELECT counter, member, weight, observed_at_ms FROM velocity_members ORDER BY counter, member").all();
    return { keys: rows.map((row) => `${row.actor}/${row.key}`), values, velocity };
  } finally {
    db.close();
  }
}

function removeActorDatabase(data_dir: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(join(data_dir, `actors.sqlite${suffix}`), { force: true });
}

async function recoveryScenario(label: string, database_url: string | null): Promise<void> {
  const data_dir = mkdtempSync(join(tmpdir(), `recovery-${label}-`));
  directories.push(data_dir);
  const env = environment(data_dir, database_url);
  const run_id = `${label}_${crypto.randomUUID().slice(0, 8)}`;
  const { events, payments } = stream(run_id);

  // 1. The stream, with every event delivered twice (the second answered duplicate).
  let before: Observed;
  {
    const { host, target } = await startHost(env);
    try {
      for (const body of events) expect(await send(target, body)).toBe("accepted");
      await settled(target, payments, events.length);
      for (const body of events.slice(0, 5)) expect(await send(target, body)).toBe("duplicate");
      before = await observe(target, payments);
    } finally {
      await host.stop();
    }
  }
  expect(before.payments[payments[5]!]).toMatchObject({ status: "blocked", dead_letters: [{ reason: "payment_blocked" }] });
  expect(before.payments[payments[6]!]).toMatchObject({ status: null, version: 0, dead_letters: [{ reason: "out_of_order_timeout" }] });
  expect(before.payments[payments[4]!]).toMatchObject({ status: "canceled", sequence_next: 5, dead_letters: [{ reason: "amount_exceeds_authorized" }] });
  const rows_before = actorRows(join(data_dir, "actors.sqlite"));
  expect(rows_before.velocity.length).toBeGreaterThan(0);

  // 2. The actor database is lost: the start is refused and says how to recover.
  removeActorDatabase(data_dir);
  const refused = await run(MAIN, env);
  expect({ exit_code: refused.exit_code, stderr: refused.stderr.trim() }).toMatchObject({ exit_code: 1 });
  expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  expect(refused.stderr).toStartWith("cannot start: ");
  expect(refused.stderr).toContain("npm run recover");

  // 3. Recovery, then a second run that refuses to replace what the first one built.
  // Pages of two payments: the ranges between pages must lose and repeat nothing.
  const recovered = await run(RECOVER, { ...env, RECOVER_PAGE_PAYMENTS_MAX: "2" });
  expect({ exit_code: recovered.exit_code, stderr: recovered.stderr }).toEqual({ exit_code: 0, stderr: "" });
  expect(recovered.stdout).toContain(`payments:      ${payments.length} `);
  expect(recovered.stdout).toContain("every payment agrees with the payments projection and the ledger");
  expect(recovered.stdout).toContain("dead letters:  3 pending");
  const again = await run(RECOVER, env);
  expect(again.exit_code).toBe(1);
  expect(again.stderr.trim()).toStartWith("cannot recover: ");
  expect(again.stderr).toContain("--force");

  const rows_after = actorRows(join(data_dir, "actors.sqlite"));
  expect(rows_after.keys).toEqual(rows_before.keys);
  expect(rows_after.values).toEqual(rows_before.values);
  expect(rows_after.velocity).toEqual(rows_before.velocity);

  // 4. The host starts on it and answers as before.
  const { host, target } = await startHost(env);
  try {
    const after = await observe(target, payments);
    expect(after).toEqual(before);
    for (const body of events) expect(await send(target, body)).toBe("duplicate");

    const [refunded_id, , , , , blocked_id] = payments as [string, string, string, string, string, string, string];
    const refund = event("payment.refunded", refunded_id, { amount: 250 });
    expect(await send(target, refund)).toBe("accepted");
    const fresh = `pay_${run_id}_fresh`;
    for (const body of [event("payment.created", fresh, { amount: 100, ...card }), event("payment.authorized", fresh, { amount: 100 })]) {
      expect(await send(target, body)).toBe("accepted");
    }
    // The blocked payment's dead letter is replayable once an operator lifts the block.
    expect((await request(target, "POST", `/payments/${blocked_id}/fraud/override`, { body: { decision: "allow", note: "recovered" } })).status).toBe(200);
    const letter = before.payments[blocked_id]!.dead_letters[0].event_id as string;
    expect((await request(target, "POST", `/payments/${blocked_id}/dlq/${letter}/replay`)).status).toBe(202);

    const views = await poll(
      "new events applied after recovery",
      async () => Promise.all([refunded_id, fresh, blocked_id].map((payment_id) => inspectPayment(target, payment_id))),
      (views) => views.every((view) => view !== null && view.outbox.pending === 0 && view.inbox.length === 0),
    );
    expect(views[0]).toMatchObject({ version: before.payments[refunded_id]!.version + 1, amounts: { refunded: 1750 } });
    expect(views[1]).toMatchObject({ status: "authorized", version: 2 });
    expect(views[2]).toMatchObject({ status: "authorized", dead_letters: [] });
    const ledger = await adminJson(target, "/ledger/accounts?currency=USD");
    const totals = (ledger.accounts as Json[]).reduce(
      (sum, account) => ({ debits: sum.debits + account.debits_posted + account.debits_pending, credits: sum.credits + account.credits_posted + account.credits_pending }),
      { debits: 0, credits: 0 },
    );
    expect(totals.debits).toBe(totals.credits);
  } finally {
    await host.stop();
  }
  expect(existsSync(join(data_dir, "actors.sqlite.recovering"))).toBe(false);
}

describe("npm run recover rebuilds a lost actors.sqlite from Postgres", () => {
  test("on the embedded PGlite: identical inspection, dead letters and ledger; old redeliveries duplicate; new events apply", async () => {
    await recoveryScenario("pglite", null);
  }, 60_000);

  // CI sets REQUIRE_POSTGRES=1, so nothing skips there and a missing server fails instead.
  postgres.test("on PostgreSQL (DATABASE_URL): the same", async () => {
    await recoveryScenario("postgres", postgres.url());
  }, 60_000);
});
