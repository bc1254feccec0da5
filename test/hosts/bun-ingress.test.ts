/**
 * The Bun host's ingress: the HTTP thread's log and the actor thread's delivery, here on one
 * thread with real databases, so each step can be driven and looked at.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { ActorRowsReader } from "../../actors/bun/actor-rows-reader.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import { IngressReader, type IngressEntry } from "../../actors/bun/ingress-log.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../actors/payment/limits.ts";
import { NO_METRICS } from "../support/no-metrics.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import type { RefusedRecord } from "../../src/core/refused-record.ts";
import { deliverIngressMessage, IngressDelivery } from "../../src/hosts/bun/ingress-delivery.ts";
import { BunIngress, type IngressMessage } from "../../src/hosts/bun/ingress.ts";
import { DEFAULT_PROCESSING_BACKLOG_LIMITS } from "../../src/hosts/bun/processing-backlog.ts";
import { DEFAULT_STORAGE_FULL_RETRY_AFTER_S } from "../../src/hosts/bun/fault-config.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { WEBHOOK_SOURCE } from "../support/actor-harness.ts";
import { event, lifecycle } from "../support/events.ts";

const directories: string[] = [];
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

async function until(condition: () => boolean, timeout_ms = 5_000) {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(2);
  }
}

function open(inbox_messages_max = 3, dead_letters_max = DEFAULT_PAYMENT_ACTOR_LIMITS.dead_letters_max) {
  const directory = mkdtempSync(join(tmpdir(), "bun-ingress-"));
  directories.push(directory);
  const actors_database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
  const ingress_database = new ActorDatabase({ path: join(directory, "ingress.sqlite"), durability: "process" });
  const limits = { ...DEFAULT_PAYMENT_ACTOR_LIMITS, inbox_messages_max, dead_letters_max };
  const system = new BunActorSystem(actors_database, (context) =>
    new PaymentActor(context, {
      velocity: new MemoryVelocityStore(),
      sink: { write: async () => {} },
      fraud_rules: DEFAULT_FRAUD_RULES,
      limits,
      metrics: NO_METRICS,
      random: () => 0.5,
    }),
  );
  let delivery: IngressDelivery | null = null;
  const ingress = new BunIngress(ingress_database, {
    limits,
    backlog: DEFAULT_PROCESSING_BACKLOG_LIMITS,
    announce: (through) => delivery?.appended(through),
    now: Date.now,
    storage_full_retry_after_s: DEFAULT_STORAGE_FULL_RETRY_AFTER_S,
  });
  const rows = new ActorRowsReader(join(directory, "actors.sqlite"));
  /** Reads of the actors' storage that admission made, by key. */
  const reads: string[] = [];
  ingress.open({
    storageFor: (actor: string) => ({
      get: <T>(key: string) => {
        reads.push(key);
        return rows.storageFor(actor).get<T>(key);
      },
    }),
  } as ActorRowsReader);
  const reader = new IngressReader<IngressMessage>(join(directory, "ingress.sqlite"));
  const deliver = (entry: IngressEntry<IngressMessage>) => deliverIngressMessage(system.get(entry.actor), entry.value);
  delivery = new IngressDelivery(reader, actors_database, system.scheduler, deliver, (through) => ingress.delivered(through));
  closers.push(async () => {
    delivery!.stop();
    await system.stop();
    rows.close();
    reader.close();
    await actors_database.close();
    await ingress_database.close();
  });
  return { ingress, delivery, system, reads };
}

describe("Bun host ingress", () => {
  test("an event is acknowledged once, whether it waits in the log or is already in its actor", async () => {
    const host = open();
    const [created] = lifecycle("pay_i1");
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("accepted");
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("duplicate");
    await until(() => host.ingress.log.size() === 0);
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("duplicate");
    await until(() => host.system.get("pay_i1").inspect()?.events.length === 1);
    expect(host.system.get("pay_i1").inspect()!.events.map((event) => event.id)).toEqual([created!.id]);
  });

  test("a poison Kafka record goes through the log into its payment's dead letters once, however often it is redelivered", async () => {
    const host = open(1);
    const refused: RefusedRecord = {
      id: "kafka:payments:2:17",
      payment_id: "pay_i4",
      source: { kind: "kafka", topic: "payments", partition: 2, offset: "17" },
      reason: "invalid_json",
      error_class: "invalid_json",
      error_message: "the record's value is not JSON",
      value: "{not json",
      value_is_json: false,
    };
    const [created] = lifecycle("pay_i4");
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("accepted");
    // The inbox limit (1) is reached; a dead letter does not enter the inbox.
    expect(await host.ingress.acceptDeadLetter(refused)).toBe("accepted");
    expect(await host.ingress.acceptDeadLetter(refused)).toBe("duplicate");
    await until(() => host.ingress.log.size() === 0);
    expect(await host.ingress.acceptDeadLetter(refused)).toBe("duplicate");
    const view = host.system.get("pay_i4").inspect()!;
    expect(view.dead_letters.map((letter) => [letter.event_id, letter.reason, letter.stage, letter.source, letter.record])).toEqual([
      ["kafka:payments:2:17", "invalid_json", "kafka_ingest", refused.source, { value: "{not json" }],
    ]);
    expect(view.counts.dead_letters).toBe(1);
  });

  test("the inbox limit counts the events still in the log", async () => {
    const host = open(2);
    host.delivery.stop(); // nothing leaves the log
    const events = lifecycle("pay_i2");
    const outcomes = [];
    for (const event of events.slice(0, 3)) outcomes.push(await host.ingress.accept(event, WEBHOOK_SOURCE));
    expect(outcomes).toEqual(["accepted", "accepted", "inbox_full"]);
  });

  test("a payment whose every event was admitted here is admitted without reading the actors' storage, duplicates included", async () => {
    const host = open(10);
    const events = lifecycle("pay_i5");
    expect(await host.ingress.accept(events[0]!, WEBHOOK_SOURCE)).toBe("accepted");
    // The first event finds no row: one read, and the payment's ids are remembered from then on.
    expect(host.reads).toEqual(["meta"]);
    await until(() => host.ingress.log.size() === 0);
    expect(await host.ingress.accept(events[0]!, WEBHOOK_SOURCE)).toBe("duplicate");
    expect(await host.ingress.accept(events[1]!, WEBHOOK_SOURCE)).toBe("accepted");
    await until(() => host.ingress.log.size() === 0);
    expect(await host.ingress.accept(events[1]!, WEBHOOK_SOURCE)).toBe("duplicate");
    expect(host.reads).toEqual(["meta"]);
    await until(() => host.system.get("pay_i5").inspect()?.events.length === 2);
  });

  test("a payment that had rows before is read as before", async () => {
    const first = open(10);
    const [created, authorized] = lifecycle("pay_i6");
    // Delivered straight into the actor, as a previous run of the host would have left it.
    first.system.get("pay_i6").deliver(created!, WEBHOOK_SOURCE, Date.now());
    await until(() => first.system.get("pay_i6").inspect()?.events.length === 1);
    expect(await first.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("duplicate");
    expect(first.reads).toEqual(["meta", `seen:${created!.id}`]);
    expect(await first.ingress.accept(authorized!, WEBHOOK_SOURCE)).toBe("accepted");
    expect(first.reads.length).toBe(4);
  });

  test("the dead-letter limit still refuses a payment whose events were all admitted here", async () => {
    const host = open(10, 2);
    const [created, authorized, captured, refunded] = lifecycle("pay_i7");
    // Refunds of more than was captured: each is refused by the state machine, a dead letter.
    const refused = [1, 2].map((n) => event("payment.refunded", "pay_i7", { amount: 90_000 + n }));
    for (const accepted of [created!, authorized!, captured!, ...refused]) expect(await host.ingress.accept(accepted, WEBHOOK_SOURCE)).toBe("accepted");
    await until(() => host.system.get("pay_i7").inspect()?.counts.dead_letters === 2);
    // The view answers from the actor's cache; admission reads what is committed.
    await host.system.database.sync();
    expect(await host.ingress.accept(refunded!, WEBHOOK_SOURCE)).toBe("dead_letters_full");
  });

  test("an announced entry not yet visible to the reader is waited for, never skipped", async () => {
    const delivered: number[] = [];
    let visible: Array<IngressEntry<IngressMessage>> = [];
    const entry = (sequence: number) => ({ sequence, actor: "pay_i3", id: `e${sequence}`, value: {} as IngressMessage });
    const reader = {
      entries: (after: number, through: number) => visible.filter((e) => e.sequence > after && e.sequence <= through),
      entriesFor: () => [],
    } as unknown as IngressReader<IngressMessage>;
    const database = { sync: () => Promise.resolve() } as unknown as ActorDatabase;
    const scheduler = { due: () => 0, startDue: () => {} } as unknown as BunActorSystem<PaymentActor>["scheduler"];
    const reports: number[] = [];
    const recorded: number[] = [];
    const delivery = new IngressDelivery(reader, database, scheduler, (e) => delivered.push(e.sequence), (through) => reports.push(through), {
      delivered_through: 0,
      record: (through) => recorded.push(through),
    });
    delivery.appended(2);
    await Bun.sleep(20);
    expect(delivered).toEqual([]);
    expect(reports).toEqual([]);
    visible = [entry(1), entry(2)];
    await until(() => reports.includes(2));
    expect(delivered).toEqual([1, 2]);
    // The watermark is written in the turn of the deliveries (their group commit), after them.
    expect(recorded).toEqual([2]);
    delivery.stop();
  });

  test("delivery goes on after the watermark it was given: entries it covers are not delivered again", async () => {
    const delivered: number[] = [];
    const entry = (sequence: number) => ({ sequence, actor: "pay_w", id: `e${sequence}`, value: {} as IngressMessage });
    const reader = {
      entries: (after: number, through: number) => [1, 2, 3, 4].map(entry).filter((e) => e.sequence > after && e.sequence <= through),
      entriesFor: () => [],
    } as unknown as IngressReader<IngressMessage>;
    const database = { sync: () => Promise.resolve() } as unknown as ActorDatabase;
    const scheduler = { due: () => 0, startDue: () => {} } as unknown as BunActorSystem<PaymentActor>["scheduler"];
    const reports: number[] = [];
    const delivery = new IngressDelivery(reader, database, scheduler, (e) => delivered.push(e.sequence), (through) => reports.push(through), {
      delivered_through: 2,
      record: () => {},
    });
    expect(delivery.waiting()).toBe(0);
    delivery.appended(4);
    await until(() => reports.includes(4));
    expect(delivered).toEqual([3, 4]);
    delivery.stop();
  });
});

test("entries an older version left in actors.sqlite's ingress table are delivered at start, and the table goes", async () => {
  const { deliverLegacyIngress } = await import("../../src/hosts/bun/legacy-ingress.ts");
  const directory = mkdtempSync(join(tmpdir(), "legacy-ingress-"));
  directories.push(directory);
  const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
  closers.push(() => database.close());
  database.db.exec("CREATE TABLE ingress_log (sequence INTEGER PRIMARY KEY, actor TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL)");
  const [created, authorized] = lifecycle("pay_legacy");
  for (const [index, event] of [created!, authorized!].entries()) {
    database.db.query("INSERT INTO ingress_log VALUES (?, ?, ?, ?)").run(index + 1, event.payment_id, event.id, JSON.stringify({ event, source: WEBHOOK_SOURCE, accepted_at: 1 }));
  }
  const delivered: string[] = [];
  expect(deliverLegacyIngress(database, (actor, message) => delivered.push(`${actor}/${"event" in message ? message.event.id : message.refused.id}`))).toBe(2);
  await database.flush();
  expect(delivered).toEqual([`pay_legacy/${created!.id}`, `pay_legacy/${authorized!.id}`]);
  expect(database.db.query("SELECT name FROM sqlite_master WHERE name = 'ingress_log'").get()).toBeNull();
});
