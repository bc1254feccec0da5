import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { AlarmScheduler } from "../../actors/bun/alarm-scheduler.ts";
import { BunActorAlarm, BunActorStorage } from "../../actors/bun/bun-actor-storage.ts";
import { NO_METRICS } from "../support/no-metrics.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../actors/payment/limits.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import { PermanentError, TransientError } from "../../src/core/errors.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { WEBHOOK_SOURCE } from "../support/actor-harness.ts";
import { lifecycle } from "../support/events.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A payment actor whose storage refuses to write applied events while `refusing` is set. */
function actorWithFailingWrites(make_error: () => Error) {
  const directory = mkdtempSync(join(tmpdir(), "commit-failure-"));
  const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
  let now = Date.parse("2026-11-21T10:00:00Z");
  const scheduler = new AlarmScheduler(database, () => now, async () => {});
  const storage = new BunActorStorage(database, "pay_cf");
  const control = { refusing: true };
  const original_put = storage.put.bind(storage);
  storage.put = (key: string, value: unknown) => {
    if (control.refusing && key.startsWith("event:")) throw make_error();
    original_put(key, value);
  };
  const actor = new PaymentActor(
    { key: "pay_cf", storage, alarm: new BunActorAlarm(scheduler, "pay_cf"), now: () => now },
    {
      velocity: new MemoryVelocityStore(),
      sink: { write: async () => {} },
      fraud_rules: DEFAULT_FRAUD_RULES,
      limits: DEFAULT_PAYMENT_ACTOR_LIMITS,
      metrics: NO_METRICS,
      random: () => 0.5,
    },
  );
  cleanups.push(async () => {
    await scheduler.stop();
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { actor, control, advance: (ms: number) => (now += ms), alarm_at: () => scheduler.get("pay_cf"), now: () => now };
}

describe("a commit that throws", () => {
  test("a permanent storage error dead-letters the message with stage apply, and the next one proceeds", async () => {
    const { actor, control } = actorWithFailingWrites(() => new PermanentError("row too large (test)"));
    const [created, authorized] = lifecycle("pay_cf");
    await actor.accept(created!, WEBHOOK_SOURCE);
    await actor.alarm();
    let view = actor.inspect()!;
    expect(view.dead_letters.map((letter) => [letter.event_id, letter.reason, letter.stage])).toEqual([
      [created!.id, "permanent_failure", "apply"],
    ]);
    control.refusing = false;
    await actor.accept(authorized!, WEBHOOK_SOURCE);
    await actor.alarm();
    view = actor.inspect()!;
    expect(view.status).toBe("authorized");
  });

  test("a transient storage error is retried with backoff, not at once", async () => {
    const { actor, control, advance, alarm_at, now } = actorWithFailingWrites(() => new TransientError("disk busy (test)"));
    const [created] = lifecycle("pay_cf");
    await actor.accept(created!, WEBHOOK_SOURCE);
    await actor.alarm();
    const view = actor.inspect()!;
    expect(view.retries.map((retry) => [retry.attempts, retry.error?.stage])).toEqual([[1, "apply"]]);
    expect(alarm_at()!).toBeGreaterThan(now());
    control.refusing = false;
    advance(120_000);
    await actor.alarm();
    expect(actor.inspect()!.status).toBe("created");
  });
});

describe("a COMMIT that fails", () => {
  test("rolls back, is reported once, and nothing written after it commits: the file keeps the last good commit", async () => {
    const directory = mkdtempSync(join(tmpdir(), "commit-failure-"));
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, "actors.sqlite");
    const failures: string[] = [];
    const database = new ActorDatabase({ path, durability: "process", on_durability_failure: (error, stage) => failures.push(`${stage}: ${(error as Error).message}`) });
    database.put("pay_a", "k1", "1");
    await database.sync();
    // A deferred foreign key violated inside the batch fails its COMMIT, as a full disk does.
    database.db.exec("PRAGMA foreign_keys = ON");
    database.db.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    database.db.exec("CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
    const insertOrphan = database.prepareWrite("INSERT INTO child (parent) VALUES (?)");
    database.put("pay_a", "k2", "2");
    insertOrphan(42);
    await expect(database.sync()).rejects.toThrow(/FOREIGN KEY/);
    expect(failures).toEqual([expect.stringMatching(/^commit: .*FOREIGN KEY/)]);

    // Caches of callers are ahead of the file now: whatever they write next must not land.
    database.put("pay_a", "k3", "3");
    await expect(database.sync()).rejects.toThrow(/FOREIGN KEY/);
    expect(failures).toHaveLength(1);
    await database.close();

    const reopened = new ActorDatabase({ path, durability: "process" });
    expect([reopened.get("pay_a", "k1"), reopened.get("pay_a", "k2"), reopened.get("pay_a", "k3")]).toEqual(["1", undefined, undefined]);
    reopened.put("pay_a", "k4", "4");
    await reopened.sync();
    expect(reopened.get("pay_a", "k4")).toBe("4");
    await reopened.close();
  });
});
