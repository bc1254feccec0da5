/**
 * A row Postgres refuses for good, under workerd (issue 12): the Cloudflare sink writer
 * classifies its failures like the Bun sink thread, so the refused row becomes a dead letter
 * of stage `sink` with Postgres's error (the error crosses the Durable Object RPC as a value:
 * a thrown one would lose its class), the payment's other rows and other payments are
 * written, and a replay after the fix writes the row once. Made unwritable on purpose with
 * a CHECK constraint on a real PostgreSQL (or PGlite where none can be had).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { event } from "../support/events.ts";
import { sendSigned } from "../support/http-target.ts";
import { startWorkerdHost, type WorkerdHost } from "../support/workerd-host.ts";
import { poll, request, type Json } from "../http/suite/context.ts";

let host: WorkerdHost;

beforeAll(async () => {
  host = await startWorkerdHost();
  await host.database.db.execute(sql.raw("ALTER TABLE payment_events ADD CONSTRAINT refuse_poison CHECK (event_id NOT LIKE '%poison%')"));
}, 60_000);

afterAll(async () => {
  await host?.stop();
});

const inspect = async (payment_id: string): Promise<Json | null> => {
  const response = await request(host, "GET", `/payments/${payment_id}`);
  return response.status === 200 ? ((await response.json()) as Json) : null;
};

const eventIds = async (payment_ids: string[]): Promise<string[]> => {
  const rows = (await host.database.db.execute(sql`SELECT event_id FROM payment_events WHERE payment_id IN ${payment_ids} ORDER BY event_id`)) as unknown as { rows?: Array<{ event_id: string }> } & Array<{ event_id: string }>;
  return (rows.rows ?? rows).map((row) => row.event_id);
};

test("a row Postgres refuses becomes a dead letter of stage sink on workerd; the rest is written; a replay after the fix writes it once", async () => {
  const payment_id = `pay_unwritable_${crypto.randomUUID().slice(0, 8)}`;
  const created = { ...event("payment.created", payment_id, { amount: 1500 }), id: `evt_good_${payment_id}` };
  const poison = { ...event("payment.authorized", payment_id, { amount: 1500 }), id: `evt_poison_${payment_id}` };
  const other_payment = `pay_other_${crypto.randomUUID().slice(0, 8)}`;
  const other = { ...event("payment.created", other_payment, { amount: 700 }), id: `evt_other_${other_payment}` };
  for (const body of [created, poison, other]) {
    const response = await sendSigned(host, body);
    expect(response.status).toBe(202);
    await response.body?.cancel();
  }

  const view = await poll("a dead letter of stage sink", () => inspect(payment_id), (payment) => (payment?.dead_letters ?? []).length === 1, 30_000);
  const letter = view!.dead_letters[0];
  expect(letter).toMatchObject({ event_id: poison.id, stage: "sink", reason: "sink_write_refused", error: { class: "PermanentError" } });
  expect(letter.error.message).toContain("refuse_poison");
  expect(letter.error.message).toContain("SQLSTATE 23514");
  expect(view!.status).toBe("authorized");
  await poll("the outbox drained", () => inspect(payment_id), (payment) => payment?.outbox.pending === 0, 30_000);
  await poll("the good rows in Postgres", () => eventIds([payment_id, other_payment]), (ids) => ids.includes(created.id) && ids.includes(other.id), 30_000);
  expect(await eventIds([payment_id])).not.toContain(poison.id);

  await host.database.db.execute(sql.raw("ALTER TABLE payment_events DROP CONSTRAINT refuse_poison"));
  const replay = await request(host, "POST", `/payments/${payment_id}/dlq/${poison.id}/replay`);
  expect(replay.status).toBe(202);
  await replay.body?.cancel();
  await poll("the replayed row in Postgres", () => eventIds([payment_id]), (ids) => ids.includes(poison.id), 30_000);
  expect((await eventIds([payment_id])).filter((id) => id === poison.id)).toHaveLength(1);
  const after = await poll("the letter resolved", () => inspect(payment_id), (payment) => payment?.dead_letters.length === 0 && payment.outbox.pending === 0, 30_000);
  expect(after!.status).toBe("authorized");
}, 120_000);
