/**
 * The Bun host consuming from the dev broker with each protocol: events reach their payments
 * with their Kafka source, poison records reach `<topic>.dlq` and GET /dlq, GET /kafka/consumers
 * and /metrics show the partitions, and stop() commits and leaves the group.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaymentEvent } from "../../src/core/event.ts";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost, type BunHost } from "../../src/hosts/bun/start-host.ts";
import { paymentLifecycle, random } from "../../scripts/lib/event-stream.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";

const ADMIN = `adm_${crypto.randomUUID()}`;
const admin = { authorization: `Bearer ${ADMIN}` };

for (const protocol of ["confluent-v2", "upstash"] as const) {
  describe(`the Bun host consuming over ${protocol}`, () => {
    let broker: TestBroker;
    let host: BunHost;
    let data_dir: string;
    const start = async () => {
      const config = loadBunConfig({
        DATA_DIR: data_dir,
        PORT: "0",
        ADMIN_TOKEN: ADMIN,
        KAFKA_REST_URL: broker.url,
        KAFKA_REST_PROTOCOL: protocol,
        KAFKA_USERNAME: "dev",
        KAFKA_PASSWORD: "dev",
        KAFKA_TOPICS: "payments",
        KAFKA_INSTANCE: "bun-test",
        KAFKA_POLL_TIMEOUT_MS: "50",
      });
      if (!config.ok) throw new Error(config.error.message);
      host = await startBunHost(config.value, { durability: "process" });
    };

    beforeAll(async () => {
      broker = await testBroker({ now: Date.now });
      data_dir = mkdtempSync(join(tmpdir(), "bun-kafka-"));
      await start();
    }, 60_000);
    afterAll(async () => {
      await host?.stop();
      await broker?.close();
      rmSync(data_dir, { recursive: true, force: true });
    }, 60_000);

    const consumers = async () => (await (await fetch(`${host.url}/kafka/consumers`, { headers: admin })).json()) as any;
    async function waitCaughtUp(records: number) {
      for (let attempt = 0; attempt < 400; attempt += 1) {
        const view = await consumers();
        const partitions = view.consumers[0]?.partitions ?? [];
        const committed = partitions.reduce((sum: number, partition: any) => sum + (partition.committed_offset ?? 0), 0);
        if (committed >= records && partitions.every((partition: any) => partition.lag === 0)) return view;
        await Bun.sleep(25);
      }
      throw new Error(`the consumer did not catch up: ${JSON.stringify(await consumers())}`);
    }

    test("events are applied with their Kafka source; poison records are dead letters; the consumer view shows lag 0", async () => {
      const next = random(7);
      const events: PaymentEvent[] = Array.from({ length: 5 }, (_, index) => paymentLifecycle(`pay_k${index}`, next, new Date("2026-11-21T10:00:00Z"))).flat();
      // The produce call DESIGN.md section 10 names: Confluent v2 with the JSON embedded format.
      const produced = await fetch(`${broker.url}/topics/payments`, {
        method: "POST",
        headers: { "content-type": "application/vnd.kafka.json.v2+json" },
        body: JSON.stringify({ records: [...events.map((event) => ({ key: event.payment_id, value: event })), { value: events[0] }, { key: "pay_k0", value: { id: "evt_bad", type: "payment.teleported" } }] }),
      });
      expect(produced.status).toBe(200);
      const view = await waitCaughtUp(events.length + 2);
      expect(view.consumers[0]).toMatchObject({ protocol, group: "payment-actors", instance: "bun-test", topics: ["payments"] });
      expect(view.consumers[0].partitions).toHaveLength(4);

      const payment = (await (await fetch(`${host.url}/payments/pay_k0`, { headers: admin })).json()) as any;
      expect(payment.events.length).toBeGreaterThan(0);
      expect(payment.events[0].source).toMatchObject({ kind: "kafka", topic: "payments" });
      // The keyed poison record is in its payment's own DLQ, with where it came from.
      const poison = payment.dead_letters.find((letter: any) => letter.stage === "kafka_ingest");
      expect(poison).toMatchObject({ reason: "invalid_event", type: "payment.teleported", source: { kind: "kafka", topic: "payments" }, record: { value: { id: "evt_bad", type: "payment.teleported" } } });
      expect(poison.event_id).toBe(`kafka:payments:${poison.source.partition}:${poison.source.offset}`);

      let letters: any[] = [];
      for (let attempt = 0; attempt < 100 && letters.length < 2; attempt += 1) {
        letters = ((await (await fetch(`${host.url}/dlq?limit=10`, { headers: admin })).json()) as any).dead_letters ?? [];
        if (letters.length < 2) await Bun.sleep(25);
      }
      expect(letters.map((letter) => letter.reason).sort()).toEqual(["invalid_event", "missing_key"]);
      expect(letters.every((letter) => letter.source.kind === "kafka")).toBe(true);
      const dlq = [0, 1, 2, 3].flatMap((partition) => broker.broker.store.read("payments.dlq", partition, 0, 10));
      expect(dlq).toHaveLength(2);

      const metrics = await (await fetch(`${host.url}/metrics`)).text();
      expect(metrics).toMatch(/kafka_consumer_lag\{partition="\d",topic="payments"\} 0/);
      expect(metrics).toContain('outcome="dead_lettered"');
    }, 60_000);

    test("an event its actor dead-letters is produced to <topic>.dlq with its Kafka context", async () => {
      const base = { payment_id: "pay_kdl", occurred_at: "2026-11-21T10:00:00Z" };
      const data = { amount: 1000, currency: "USD", merchant_id: "m_1" };
      const records = [
        { id: "evt_kdl_1", type: "payment.created", sequence: 1, data },
        { id: "evt_kdl_2", type: "payment.failed", sequence: 2, data: {} },
        // Captured after failed: an invalid transition no later event can fix.
        { id: "evt_kdl_3", type: "payment.captured", sequence: 3, data: { ...data, fee: 10 } },
      ].map((event) => ({ key: "pay_kdl", value: { ...base, ...event } }));
      const produced = await fetch(`${broker.url}/topics/payments`, { method: "POST", headers: { "content-type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records }) });
      expect(produced.status).toBe(200);
      const decode = (record: { key: Uint8Array | null; value: Uint8Array | null; headers: Array<{ key: string; value: string }> }) => {
        const text = new TextDecoder().decode(record.value!);
        if (record.headers.length > 0) return { key: record.key === null ? null : new TextDecoder().decode(record.key), headers: Object.fromEntries(record.headers.map((header) => [header.key, header.value])), value: JSON.parse(text) };
        const envelope = JSON.parse(text);
        return { key: envelope.key, headers: envelope.dead_letter as Record<string, string>, value: JSON.parse(envelope.value) };
      };
      const published = () => [0, 1, 2, 3].flatMap((partition) => broker.broker.store.read("payments.dlq", partition, 0, 100)).map(decode).filter((record) => record.key === "pay_kdl");
      for (let attempt = 0; attempt < 400 && published().length === 0; attempt += 1) await Bun.sleep(25);
      const [record] = published();
      expect(record?.value).toMatchObject({ id: "evt_kdl_3", type: "payment.captured" });
      expect(record!.headers).toMatchObject({
        "__connect.errors.topic": "payments",
        "__connect.errors.stage": "state_machine",
        "__connect.errors.exception.class.name": "RejectedEvent",
        "payment_actors.reason": "invalid_transition",
        "payment_actors.payment_id": "pay_kdl",
      });
      expect(record!.headers["payment_actors.dead_letter_id"]).toMatch(/^pay_kdl\/evt_kdl_3\/\d+$/);
      const offset = Number(record!.headers["__connect.errors.offset"]);
      const original = broker.broker.store.read("payments", Number(record!.headers["__connect.errors.partition"]), offset, 1)[0]!;
      expect(JSON.parse(new TextDecoder().decode(original.value!)).id).toBe("evt_kdl_3");
      await Bun.sleep(1_500);
      // Recorded as published: not produced twice.
      expect(published()).toHaveLength(1);
    }, 60_000);

    test("after a restart the view knows every partition's lag, also of partitions no new record reaches", async () => {
      await host.stop();
      await start();
      const ends = [0, 1, 2, 3].map((partition) => broker.broker.store.endOffset("payments", partition));
      const view = await waitCaughtUp(ends.reduce((sum, end) => sum + end, 0));
      expect(view.consumers[0].partitions.map((partition: any) => [partition.committed_offset, partition.log_end_offset, partition.lag])).toEqual(
        // A partition no record ever reached has no committed offset, and nothing to lag behind.
        ends.map((end) => [end === 0 ? null : end, end, 0]),
      );
    }, 60_000);

    test("GET /kafka/consumers needs the admin token", async () => {
      expect((await fetch(`${host.url}/kafka/consumers`)).status).toBe(401);
    });

    test("stop() leaves the group", async () => {
      expect(broker.broker.groups.list().flatMap((group) => group.instances.map((instance) => instance.name))).toEqual(["bun-test"]);
      await host.stop();
      expect(broker.broker.groups.list()).toEqual([]);
    }, 60_000);
  });
}

test("the Bun host starts and stops while the Kafka proxy cannot be reached", async () => {
  const data_dir = mkdtempSync(join(tmpdir(), "bun-kafka-down-"));
  const config = loadBunConfig({ DATA_DIR: data_dir, PORT: "0", ADMIN_TOKEN: ADMIN, KAFKA_REST_URL: "http://127.0.0.1:9", KAFKA_TOPICS: "payments" });
  if (!config.ok) throw new Error(config.error.message);
  const host = await startBunHost(config.value, { durability: "process" });
  try {
    expect((await fetch(`${host.url}/health`)).status).toBe(200);
    const view = (await (await fetch(`${host.url}/kafka/consumers`, { headers: admin })).json()) as any;
    expect(view.consumers[0].partitions).toEqual([]);
  } finally {
    await host.stop();
    rmSync(data_dir, { recursive: true, force: true });
  }
}, 60_000);
