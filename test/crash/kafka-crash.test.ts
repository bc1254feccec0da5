/**
 * Crash safety of the Kafka path on the Bun host: 10,000 records (the events of 1,000 payments,
 * some payments shuffled, the rest of the records duplicates at random places) across 4
 * partitions of the dev broker; the host (src/hosts/bun/main.ts, a child process) is SIGKILLed
 * twice while it consumes, mid-batch, and restarted on the same DATA_DIR. In the end every
 * event is applied exactly once, the committed offsets are at the log end, and the Postgres
 * ledger balances and equals what the events imply. The broker runs in this process and
 * outlives the kills.
 */
import { afterAll, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaymentEvent } from "../../src/core/event.ts";
import { countPaymentEvents, ledgerAccounts, listDeadLetters } from "../../src/sink/queries.ts";
import { ledgerTotals } from "../support/sink-reads.ts";
import { openSink } from "../../src/sink/open-sink.ts";
import { payment_events, payments as payments_table } from "../../src/sink/schema.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { expectedAccounts } from "../support/crash-checks.ts";
import { killStartedHosts, spawnHost, type HostProcess } from "../support/crash-host.ts";
import { kafkaEventStream, produceEvents } from "../support/kafka-stream.ts";

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e9));
const RECORDS = 10_000;
const PAYMENTS = 1_000;
const GROUP = "payment-actors";
const ADMIN = `adm_${crypto.randomUUID()}`;

const data_dir = mkdtempSync(join(tmpdir(), "kafka-crash-"));
let broker: TestBroker | null = null;

afterAll(async () => {
  await killStartedHosts();
  await broker?.close();
  rmSync(data_dir, { recursive: true, force: true });
});

/** Records this host process handled (accepted, duplicate or dead-lettered) since it started. */
async function recordsHandled(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
    return [...text.matchAll(/^kafka_consumer_records_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  } catch {
    return 0;
  }
}

test(
  `SIGKILLed twice mid-batch, the Bun host applies 10,000 Kafka records exactly once and commits to the log end (seed ${SEED})`,
  async () => {
    broker = await testBroker({ now: Date.now });
    const store = broker.broker.store;
    const stream = kafkaEventStream({ payments: PAYMENTS, records: RECORDS, seed: SEED, prefix: `kc${SEED.toString(36)}` });
    const distinct = new Map<string, PaymentEvent>(stream.map((event) => [event.id, event]));
    const by_payment = new Map<string, number>();
    for (const event of distinct.values()) by_payment.set(event.payment_id, (by_payment.get(event.payment_id) ?? 0) + 1);
    await produceEvents(broker.url, "payments", stream);
    const ends = [0, 1, 2, 3].map((partition) => store.endOffset("payments", partition));
    expect(ends.reduce((sum, end) => sum + end, 0)).toBe(RECORDS);
    expect(ends.every((end) => end > 0)).toBe(true);
    const committed = () => [0, 1, 2, 3].map((partition) => store.committed(GROUP, "payments", partition) ?? 0);
    const committedTotal = () => committed().reduce((sum, offset) => sum + offset, 0);

    const env = {
      DATA_DIR: data_dir,
      ADMIN_TOKEN: ADMIN,
      HOLD_TIMEOUT_MS: "600000",
      KAFKA_REST_URL: broker.url,
      KAFKA_TOPICS: "payments",
      KAFKA_INSTANCE: "crash-test",
      KAFKA_POLL_TIMEOUT_MS: "100",
    };
    const kills: string[] = [];
    for (const fraction of [0.25, 0.6]) {
      const resumed_from = committedTotal();
      const host = await spawnHost(env);
      const threshold = RECORDS * fraction;
      for (let poll = 0; poll < 3_000 && committedTotal() < threshold && !host.exited(); poll += 1) await Bun.sleep(10);
      expect(host.exited()).toBe(false);
      // Mid-batch: the host has accepted records (its metrics say so) that are not committed yet.
      let handled = 0;
      let at = committedTotal();
      // Not far past the threshold: a fast consumer must not reach the log's end before the kill.
      for (let poll = 0; poll < 500 && resumed_from + handled <= at && at < threshold + RECORDS * 0.15; poll += 1) {
        at = committedTotal();
        handled = await recordsHandled(host.url);
      }
      // Somewhere further into the batch, or into the next one. The kill follows the last
      // look at the commits at once: a look at /metrics between them took long enough, with
      // the host busy, for a fast consumer to commit the rest of the log first.
      await Bun.sleep(Math.floor(Math.random() * 10));
      at = committedTotal();
      await host.stop("SIGKILL");
      kills.push(`SIGKILL with ${at} of ${RECORDS} records committed (${resumed_from + handled} handled when last asked)`);
      expect(at).toBeLessThan(RECORDS);
    }

    const host: HostProcess = await spawnHost(env);
    expect(await host.waitReady(60_000)).toBe(true);
    for (let poll = 0; poll < 6_000 && committed().some((offset, index) => offset < ends[index]!); poll += 1) await Bun.sleep(10);
    expect(committed()).toEqual(ends);
    // Settled: nothing waits for the actor thread, for a place to run, or for Postgres (twice in a row).
    const waiting = ["ingress_log_entries", "processing_backlog", "outbox_backlog_entries", "processing_lag_seconds"];
    for (let poll = 0, idle = 0; poll < 600 && idle < 2; poll += 1) {
      const text = await (await fetch(`${host.url}/metrics`)).text();
      const values = waiting.map((name) => Number(text.split("\n").find((line) => line.startsWith(`${name} `))?.split(" ")[1] ?? "0"));
      idle = values.every((value) => value === 0) ? idle + 1 : 0;
      await Bun.sleep(100);
    }
    // The view knows every partition's lag, also of one the last run found fully committed and
    // so read nothing of (the consumer keeps what it commits in DATA_DIR/kafka-offsets.sqlite).
    const view = (await (await fetch(`${host.url}/kafka/consumers`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as any;
    const partitions = view.consumers[0].partitions as Array<{ partition: number; committed_offset: number | null; log_end_offset: number | null; lag: number | null }>;
    expect(partitions.map((partition) => [partition.partition, partition.committed_offset, partition.log_end_offset, partition.lag])).toEqual(
      ends.map((end, partition) => [partition, end, end, 0]),
    );
    expect(await host.stop("SIGTERM")).toBe("exit 0");
    expect(committed()).toEqual(ends);
    console.log(`kafka crash test: ${distinct.size} distinct events of ${PAYMENTS} payments in ${RECORDS} records; ${kills.join(", ")}`);

    const sink = await openSink({ data_dir });
    try {
      expect(await countPaymentEvents(sink)).toBe(distinct.size);
      const rows = await sink.db.select({ event_id: payment_events.event_id }).from(payment_events);
      expect(new Set(rows.map((row) => row.event_id))).toEqual(new Set(distinct.keys()));
      const projections = await sink.db.select({ payment_id: payments_table.payment_id, version: payments_table.version }).from(payments_table);
      expect(projections).toHaveLength(PAYMENTS);
      const wrong = projections.filter((row) => row.version !== by_payment.get(row.payment_id));
      expect(wrong).toEqual([]);
      const [rows_count] = await sink.db.select({ n: count() }).from(payments_table);
      expect(Number(rows_count?.n)).toBe(PAYMENTS);
      expect(await listDeadLetters(sink, { limit: 10 })).toEqual([]);

      const expected = expectedAccounts([...distinct.values()]);
      const currencies = new Set([...distinct.values()].map((event) => event.data.currency!));
      for (const currency of currencies) {
        const totals = await ledgerTotals(sink, currency);
        expect(totals.debits_pending).toBe(totals.credits_pending);
        expect(totals.debits_posted).toBe(totals.credits_posted);
        for (const account of await ledgerAccounts(sink, currency)) {
          const implied = expected.get(`${currency} ${account.account}`);
          expect({ account: account.account, debits_posted: Number(account.debits_posted), credits_posted: Number(account.credits_posted) }).toEqual({
            account: account.account,
            debits_posted: implied?.debits_posted ?? 0,
            credits_posted: implied?.credits_posted ?? 0,
          });
        }
      }
    } finally {
      await sink.close();
    }
  },
  110_000,
);
