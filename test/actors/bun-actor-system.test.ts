/**
 * BunActorSystem keeps at most about `instances_max` instances, dropping only idle ones, and
 * keeping those whose alarm is due soon.
 */
import { afterEach, expect, test } from "bun:test";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import type { ActorContext, HostedActor } from "../../actors/runtime.ts";

const NOW_MS = 1_000;
/** Due in 30 s: work about to run again (a flush, a retry). */
const SOON_MS = NOW_MS + 30_000;
/** Due in 35 days: a finished payment's retirement. */
const FAR_MS = NOW_MS + 35 * 86_400_000;

const databases: ActorDatabase[] = [];
afterEach(async () => {
  for (const database of databases.splice(0)) await database.close();
});

interface CountingActor extends HostedActor {
  context: ActorContext;
}

function system(instances_max: number) {
  const database = new ActorDatabase({ path: ":memory:" });
  databases.push(database);
  const now = () => NOW_MS;
  return new BunActorSystem<CountingActor>(
    database,
    (context) => ({ context, handle: async () => undefined, alarm: async () => {}, idle: () => true }),
    now,
    { instances_max },
  );
}

/** `count` new instances, each with an alarm set for `at_ms`, in the order made. */
function withAlarms(actors: ReturnType<typeof system>, prefix: string, count: number, at_ms: number): CountingActor[] {
  return Array.from({ length: count }, (_, n) => {
    const actor = actors.get(`${prefix}-${n}`);
    actor.context.alarm.set(at_ms);
    return actor;
  });
}

test("instances with an alarm due soon are kept, and however many there are, idle ones behind them are still dropped", () => {
  const actors = system(100);
  // More actors with an alarm due soon than one eviction looks at, all older than the rest.
  const pinned = withAlarms(actors, "pinned", 1_500, SOON_MS);
  for (let n = 0; n < 20_000; n += 1) actors.get(`idle-${n}`);
  // Eviction looks at 8 instances for each new one, so idle ones are about 1/8 of the map.
  expect(actors.size()).toBeLessThanOrEqual(2_000);
  // The same instances: a second instance of a key with work would break its serialization.
  for (let n = 0; n < pinned.length; n += 1) expect(actors.get(`pinned-${n}`)).toBe(pinned[n]!);
});

test("an idle instance is dropped and made anew when its key is asked for again", () => {
  const actors = system(10);
  const first = actors.get("a");
  for (let n = 0; n < 100; n += 1) actors.get(`other-${n}`);
  expect(actors.size()).toBeLessThanOrEqual(10);
  expect(actors.get("a")).not.toBe(first);
});

test("the instance just made is never the one dropped, though it is idle until its caller uses it", () => {
  const actors = system(5);
  for (let n = 0; n < 50; n += 1) {
    const actor = actors.get(`key-${n}`);
    expect(actors.get(`key-${n}`)).toBe(actor);
  }
});

test("once busy instances are idle again, new instances bring the map back to its limit", () => {
  // Far more busy instances than one eviction looks at.
  const actors = system(10_000);
  const busy = withAlarms(actors, "busy", 30_000, SOON_MS);
  expect(actors.size()).toBe(30_000);
  for (const actor of busy) actor.context.alarm.delete();
  for (let n = 0; n < 30_000; n += 1) actors.get(`new-${n}`);
  expect(actors.size()).toBeLessThanOrEqual(10_000);
});

test("an idle instance whose alarm is far off is dropped like any idle one, and its alarm stays", () => {
  // Finished payments keep a retirement alarm for FINISHED_RETENTION_DAYS: pinning their
  // instances would hold each in memory for that long.
  const actors = system(100);
  const retiring = withAlarms(actors, "retiring", 1_000, FAR_MS);
  for (let n = 0; n < 1_000; n += 1) actors.get(`idle-${n}`);
  expect(actors.size()).toBeLessThanOrEqual(200);
  expect(actors.get("retiring-0")).not.toBe(retiring[0]);
  for (let n = 0; n < retiring.length; n += 1) expect(actors.scheduler.get(`retiring-${n}`)).toBe(FAR_MS);
});
