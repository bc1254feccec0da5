import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS, NO_METRICS } from "../../actors/payment/limits.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import { BunIngress } from "../../src/hosts/bun/ingress.ts";
import { MemoryVelocityStore } from "../../src/velocity/memory.ts";
import { WEBHOOK_SOURCE } from "../support/actor-harness.ts";
import { lifecycle } from "../support/events.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** An ingress whose slices never run on their own: tests move events by draining. */
function open(directory = mkdtempSync(join(tmpdir(), "ingress-test-")), inbox_messages_max = 3) {
  directories.push(directory);
  const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
  const system = new BunActorSystem(database, (context) =>
    new PaymentActor(context, {
      velocity: new MemoryVelocityStore(),
      sink: { write: async () => {} },
      fraud_rules: DEFAULT_FRAUD_RULES,
      limits: { ...DEFAULT_PAYMENT_ACTOR_LIMITS, inbox_messages_max },
      metrics: NO_METRICS,
      random: () => 0.5,
    }),
  );
  const schedule = { slice_ms: () => 1, pause_ms: () => 60_000, handlers_max: () => Number.POSITIVE_INFINITY };
  const ingress = new BunIngress(database, system, { now: Date.now, schedule });
  return {
    directory,
    ingress,
    system,
    async close() {
      ingress.stop();
      await system.stop();
      await database.close();
    },
  };
}

describe("Bun host ingress log", () => {
  test("an event is acknowledged once, whether its copy is still in the log or already in the inbox", async () => {
    const host = open();
    const [created] = lifecycle("pay_i1");
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("accepted");
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("duplicate");
    host.ingress.drain("pay_i1");
    expect(host.ingress.log.size()).toBe(0);
    expect(await host.ingress.accept(created!, WEBHOOK_SOURCE)).toBe("duplicate");
    expect(host.system.get("pay_i1").inspect()!.inbox.map((message) => message.id)).toEqual([created!.id]);
    await host.close();
  });

  test("a payment with as many events waiting as its inbox limit is refused, counting the log", async () => {
    const host = open(undefined, 3);
    const events = lifecycle("pay_i2");
    for (const event of events.slice(0, 3)) expect(await host.ingress.accept(event, WEBHOOK_SOURCE)).toBe("accepted");
    expect(await host.ingress.accept(events[3]!, WEBHOOK_SOURCE)).toBe("inbox_full");
    host.ingress.drain("pay_i2");
    expect(await host.ingress.accept(events[3]!, WEBHOOK_SOURCE)).toBe("inbox_full");
    await host.close();
  });

  test("draining a payment moves its events into the inbox in acceptance order, and no other payment's", async () => {
    const host = open(undefined, 10);
    const first = lifecycle("pay_i3");
    const other = lifecycle("pay_i4");
    for (let index = 0; index < 4; index += 1) {
      await host.ingress.accept(first[3 - index]!, WEBHOOK_SOURCE);
      await host.ingress.accept(other[index]!, WEBHOOK_SOURCE);
    }
    host.ingress.drain("pay_i3");
    expect(host.system.get("pay_i3").inspect()!.inbox.map((message) => message.id)).toEqual([...first].reverse().map((event) => event.id));
    expect(host.ingress.log.pendingFor("pay_i4")).toBe(4);
    await host.close();
  });

  test("acknowledged events still in the log after a stop are there at the next start, and move", async () => {
    const host = open(undefined, 10);
    const events = lifecycle("pay_i5");
    for (const event of events) await host.ingress.accept(event, WEBHOOK_SOURCE);
    await host.close();
    const again = open(host.directory, 10);
    expect(again.ingress.log.size()).toBe(events.length);
    expect(await again.ingress.accept(events[0]!, WEBHOOK_SOURCE)).toBe("duplicate");
    again.ingress.drain("pay_i5");
    expect(again.system.get("pay_i5").inspect()!.inbox.map((message) => message.id)).toEqual(events.map((event) => event.id));
    await again.close();
  });
});
