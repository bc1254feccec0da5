import { afterEach, describe, expect, test } from "bun:test";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { AlarmScheduler } from "../../actors/bun/alarm-scheduler.ts";

const databases: ActorDatabase[] = [];
afterEach(async () => {
  for (const database of databases.splice(0)) await database.close();
});

function openDatabase() {
  const database = new ActorDatabase({ path: ":memory:" });
  databases.push(database);
  return database;
}

async function until(condition: () => boolean, timeout_ms = 5_000) {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(2);
  }
}

describe("AlarmScheduler", () => {
  test("startDue starts the handlers of alarms set for now in the same turn", async () => {
    const fired: string[] = [];
    const scheduler = new AlarmScheduler(openDatabase(), Date.now, async (actor) => void fired.push(actor));
    for (const actor of ["a", "b", "c"]) scheduler.set(actor, Date.now());
    expect(fired).toEqual([]);
    scheduler.startDue();
    expect(fired).toEqual(["a", "b", "c"]);
    await scheduler.stop();
  });

  test("an alarm queued as due whose time a clock moved back into the future fires at that time, not never", async () => {
    let now = 1_000_000;
    const fired: number[] = [];
    const scheduler = new AlarmScheduler(openDatabase(), () => now, async () => void fired.push(now));
    scheduler.set("a", now);
    now -= 50;
    scheduler.startDue();
    expect(fired).toEqual([]);
    now += 50;
    await until(() => fired.length === 1);
    await scheduler.stop();
  });

  test("never runs more handlers at once than handlers_max, and runs every due one", async () => {
    let running = 0;
    let running_most = 0;
    const fired: string[] = [];
    const scheduler = new AlarmScheduler(
      openDatabase(),
      Date.now,
      async (actor) => {
        running += 1;
        running_most = Math.max(running_most, running);
        await Bun.sleep(3);
        fired.push(actor);
        running -= 1;
      },
      { handlers_max: 2 },
    );
    for (let index = 0; index < 12; index += 1) scheduler.set(`actor-${index}`, Date.now());
    await until(() => fired.length === 12);
    expect(running_most).toBe(2);
    expect(new Set(fired).size).toBe(12);
    await scheduler.stop();
  });

  test("due work waiting for a place reports its age, and starts in order as places free", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const fired: string[] = [];
    const scheduler = new AlarmScheduler(
      openDatabase(),
      Date.now,
      async (actor) => {
        fired.push(actor);
        if (actor === "first") await blocked;
      },
      { handlers_max: 1 },
    );
    expect(scheduler.dueAgeMs()).toBe(0);
    scheduler.set("first", Date.now());
    scheduler.set("second", Date.now());
    scheduler.set("third", Date.now());
    await until(() => fired.length === 1 && scheduler.due() === 2);
    await Bun.sleep(20);
    expect(scheduler.dueAgeMs()).toBeGreaterThanOrEqual(15);
    release();
    await until(() => fired.length === 3);
    expect(fired).toEqual(["first", "second", "third"]);
    expect(scheduler.dueAgeMs()).toBe(0);
    await scheduler.stop();
  });
});
