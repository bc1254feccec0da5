/**
 * The Cloudflare Kafka consumer under workerd, against the dev broker: the Cron Trigger wakes
 * the consumer object, its alarm polls, records reach payment actors by RPC and Postgres through
 * the sink writers, poison records reach `<topic>.dlq` and dead_letters, and the committed
 * offsets end at the log end.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { paymentLifecycle, random } from "../../scripts/lib/event-stream.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { countPaymentEvents } from "../../src/sink/queries.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { startWorkerdHost, type WorkerdHost } from "../support/workerd-host.ts";

let broker: TestBroker;
let host: WorkerdHost;

beforeAll(async () => {
  broker = await testBroker({ now: Date.now });
  host = await startWorkerdHost({
    variables: { KAFKA_REST_URL: broker.url, KAFKA_TOPICS: "payments", KAFKA_POLL_TIMEOUT_MS: "50", KAFKA_USERNAME: "dev", KAFKA_PASSWORD: "dev", HOLD_TIMEOUT_MS: "120000" },
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await broker?.close();
}, 60_000);

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, polls = 600): Promise<T> {
  let value = await read();
  for (let poll = 0; poll < polls && !done(value); poll += 1) {
    await Bun.sleep(50);
    value = await read();
  }
  if (!done(value)) throw new Error(`${what}: not reached; last: ${JSON.stringify(value)?.slice(0, 1_000)}`);
  return value;
}

test(
  "the Cron Trigger wakes the consumer object; records reach Postgres, poison records the DLQ, offsets end at the log end",
  async () => {
    const next = random(11);
    const events: PaymentEvent[] = Array.from({ length: 8 }, (_, index) => paymentLifecycle(`pay_cf${index}`, next, new Date("2026-11-21T10:00:00Z"))).flat();
    const records = [...events.map((event) => ({ key: event.payment_id, value: event })), { value: events[0] }, { key: "pay_cf0", value: "{not an event" }];
    const produced = await fetch(`${broker.url}/topics/payments`, {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records }),
    });
    expect(produced.status).toBe(200);

    const worker = await host.workerd.miniflare().getWorker();
    await worker.scheduled({ cron: "* * * * *" });

    const store = broker.broker.store;
    const ends = () => [0, 1, 2, 3].map((partition) => store.endOffset("payments", partition));
    const committed = () => [0, 1, 2, 3].map((partition) => store.committed("payment-actors", "payments", partition) ?? 0);
    await waitFor("committed offsets at the log end", async () => committed(), (offsets) => offsets.every((offset, index) => offset === ends()[index]));

    await waitFor("every event in Postgres", () => countPaymentEvents(host.database), (count) => count === events.length);
    const view = (await (await fetch(`${host.url}/kafka/consumers`, { headers: { authorization: `Bearer ${host.admin_token}` } })).json()) as any;
    expect(view.consumers[0]).toMatchObject({ protocol: "confluent-v2", group: "payment-actors", instance: "payment-actors-cloudflare" });
    const admin = { authorization: `Bearer ${host.admin_token}` };
    // The keyed poison record reaches Postgres through its payment actor's outbox.
    const letters = await waitFor(
      "both poison records in dead_letters",
      async () => (await (await fetch(`${host.url}/dlq?limit=10`, { headers: admin })).json()) as any,
      (answer) => answer.dead_letters.length === 2,
    );
    expect(letters.dead_letters.map((letter: any) => letter.reason).sort()).toEqual(["invalid_event", "missing_key"]);
    const payment = (await (await fetch(`${host.url}/payments/pay_cf0`, { headers: admin })).json()) as any;
    const poison = payment.dead_letters.find((letter: any) => letter.stage === "kafka_ingest");
    expect(poison).toMatchObject({ reason: "invalid_event", error: { class: "invalid_event" }, source: { kind: "kafka", topic: "payments" }, record: { value: "{not an event" } });
    expect(poison.event_id).toBe(`kafka:payments:${poison.source.partition}:${poison.source.offset}`);
    expect([0, 1, 2, 3].flatMap((partition) => store.read("payments.dlq", partition, 0, 10))).toHaveLength(2);
    const metrics = await (await fetch(`${host.url}/metrics`)).text();
    expect(metrics).toMatch(/kafka_consumer_lag\{partition="\d",topic="payments",scope="isolate"\} 0/);
  },
  120_000,
);

test(
  "an event its actor dead-letters is produced to <topic>.dlq by the consumer object, with its Kafka context",
  async () => {
    const base = { payment_id: "pay_cfdl", occurred_at: "2026-11-21T10:00:00Z" };
    const data = { amount: 1000, currency: "USD", merchant_id: "m_1" };
    const records = [
      { id: "evt_cfdl_1", type: "payment.created", sequence: 1, data },
      { id: "evt_cfdl_2", type: "payment.failed", sequence: 2, data: {} },
      { id: "evt_cfdl_3", type: "payment.captured", sequence: 3, data: { ...data, fee: 10 } },
    ].map((event) => ({ key: "pay_cfdl", value: { ...base, ...event } }));
    const produced = await fetch(`${broker.url}/topics/payments`, { method: "POST", headers: { "content-type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records }) });
    expect(produced.status).toBe(200);
    await (await host.workerd.miniflare().getWorker()).scheduled({ cron: "* * * * *" });
    // The confluent-v2 adapter carries the headers in the value: {"dead_letter": {...}, "key", "value"}.
    const published = async () =>
      [0, 1, 2, 3]
        .flatMap((partition) => broker.broker.store.read("payments.dlq", partition, 0, 100))
        .map((record) => JSON.parse(new TextDecoder().decode(record.value!)))
        .filter((envelope) => envelope.key === "pay_cfdl");
    const [record] = await waitFor("the dead letter in payments.dlq", published, (list) => list.length > 0);
    expect(JSON.parse(record.value)).toMatchObject({ id: "evt_cfdl_3", type: "payment.captured" });
    expect(record.dead_letter).toMatchObject({
      "__connect.errors.topic": "payments",
      "__connect.errors.stage": "state_machine",
      "payment_actors.reason": "invalid_transition",
      "payment_actors.payment_id": "pay_cfdl",
    });
    expect(record.dead_letter["payment_actors.dead_letter_id"]).toMatch(/^pay_cfdl\/evt_cfdl_3\/\d+$/);
  },
  120_000,
);

test(
  "after workerd restarts, GET /kafka/consumers knows every partition's lag before any new record arrives",
  async () => {
    const store = broker.broker.store;
    const ends = [0, 1, 2, 3].map((partition) => store.endOffset("payments", partition));
    await host.workerd.restart();
    await (await host.workerd.miniflare().getWorker()).scheduled({ cron: "* * * * *" });
    const read = async () =>
      ((await (await fetch(`${host.workerd.url()}/kafka/consumers`, { headers: { authorization: `Bearer ${host.admin_token}` } })).json()) as any).consumers[0].partitions as Array<{
        committed_offset: number | null;
        log_end_offset: number | null;
        lag: number | null;
      }>;
    const partitions = await waitFor("the lag of every partition", read, (list) => list.length === 4 && list.every((partition) => partition.lag !== null));
    expect(partitions.map((partition) => [partition.committed_offset, partition.log_end_offset, partition.lag])).toEqual(ends.map((end) => [end === 0 ? null : end, end, 0]));
  },
  120_000,
);
