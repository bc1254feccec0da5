import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("stored alarms", () => {
  test("survive a restart at their earliest time: moved earlier, kept when moved later, gone once deleted", async () => {
    const directory = mkdtempSync(join(tmpdir(), "stored-alarms-"));
    const path = join(directory, "actors.sqlite");
    const far = 4_000_000_000_000;
    const never = async () => {};
    let database = new ActorDatabase({ path, durability: "process" });
    let scheduler = new AlarmScheduler(database, () => 1_000, never);
    scheduler.set("earlier", far + 50);
    await database.sync();
    scheduler.set("earlier", far + 10);
    scheduler.set("later", far + 10);
    await database.sync();
    scheduler.set("later", far + 90);
    scheduler.set("deleted", far + 30);
    await database.sync();
    scheduler.delete("deleted");
    // Set and deleted within one batch: nothing of it is written.
    scheduler.set("same-batch", far + 40);
    scheduler.delete("same-batch");
    await scheduler.stop();
    await database.close();

    database = new ActorDatabase({ path, durability: "process" });
    expect(database.alarms()).toEqual([
      { actor: "earlier", at_ms: far + 10 },
      { actor: "later", at_ms: far + 10 },
    ]);
    // A horizon that reaches them: they are held in memory at once.
    scheduler = new AlarmScheduler(database, () => 1_000, never, { horizon_ms: far });
    expect(scheduler.restore()).toBe(2);
    expect([scheduler.get("earlier"), scheduler.get("later"), scheduler.get("deleted")]).toEqual([far + 10, far + 10, null]);
    await scheduler.stop();
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  test("a second row for one actor is removed at restore, the earliest kept; a file with the older one-row-per-actor table is carried over", async () => {
    const directory = mkdtempSync(join(tmpdir(), "stored-alarms-"));
    const path = join(directory, "actors.sqlite");
    const old = new Database(path, { create: true });
    old.exec("CREATE TABLE actor_alarms (actor TEXT PRIMARY KEY, at_ms INTEGER NOT NULL) WITHOUT ROWID");
    old.exec("INSERT INTO actor_alarms (actor, at_ms) VALUES ('a', 5000), ('b', 7000)");
    old.close();
    let database = new ActorDatabase({ path, durability: "process" });
    expect(database.alarms()).toEqual([
      { actor: "a", at_ms: 5_000 },
      { actor: "b", at_ms: 7_000 },
    ]);
    database.setAlarm("a", 9_000, undefined);
    await database.sync();
    const scheduler = new AlarmScheduler(database, () => 1_000, async () => {});
    expect(scheduler.restore()).toBe(2);
    expect(scheduler.get("a")).toBe(5_000);
    await scheduler.stop();
    await database.close();
    database = new ActorDatabase({ path, durability: "process" });
    expect(database.alarms()).toEqual([
      { actor: "a", at_ms: 5_000 },
      { actor: "b", at_ms: 7_000 },
    ]);
    expect(database.db.query("SELECT name FROM sqlite_master WHERE name = 'actor_alarms'").all()).toEqual([]);
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  test("an alarm beyond the horizon is only its row until it comes within it, and then fires", async () => {
    const fired: string[] = [];
    const database = openDatabase();
    const options = { horizon_ms: 150, load_interval_ms: 20 };
    const scheduler = new AlarmScheduler(database, Date.now, async (actor) => void fired.push(actor), options);
    scheduler.restore();
    const at_ms = Date.now() + 600;
    scheduler.set("retiring", at_ms);
    scheduler.set("soon", Date.now() + 50);
    // Held: only the one within the horizon. The other is a row, and reads as none.
    expect(scheduler.pending()).toBe(1);
    expect(scheduler.get("retiring")).toBeNull();
    expect(database.alarms().map(({ actor }) => actor)).toEqual(["soon", "retiring"]);
    await until(() => fired.includes("soon"));
    expect(fired).toEqual(["soon"]);
    await until(() => scheduler.get("retiring") === at_ms, 2_000);
    await until(() => fired.includes("retiring"), 2_000);
    expect(Date.now()).toBeGreaterThanOrEqual(at_ms);
    await scheduler.stop();
  });

  test("after a restart, alarms beyond the horizon are loaded as they come within it; a later row of an actor already held is deleted, not fired", async () => {
    const directory = mkdtempSync(join(tmpdir(), "stored-alarms-"));
    const path = join(directory, "actors.sqlite");
    let database = new ActorDatabase({ path, durability: "process" });
    const start = Date.now();
    database.setAlarm("near", start + 40, undefined);
    database.setAlarm("far", start + 400, undefined);
    // Set beyond the horizon once, then nearer: two rows, the nearer one wins.
    database.setAlarm("twice", start + 300, undefined);
    await database.sync();
    database.setAlarm("twice", start + 60, undefined);
    await database.close();
    database = new ActorDatabase({ path, durability: "process" });
    expect(database.alarms().map(({ actor, at_ms }) => [actor, at_ms - start])).toEqual([["near", 40], ["twice", 60], ["twice", 300], ["far", 400]]);
    const fired: string[] = [];
    const scheduler = new AlarmScheduler(database, Date.now, async (actor) => void fired.push(actor), { horizon_ms: 150, load_interval_ms: 20 });
    expect(scheduler.restore()).toBe(2);
    expect([scheduler.get("near"), scheduler.get("twice"), scheduler.get("far")]).toEqual([start + 40, start + 60, null]);
    await until(() => fired.includes("far"), 3_000);
    // "twice" fired once, at its nearer time; its later row was deleted when it came near.
    expect(fired).toEqual(["near", "twice", "far"]);
    expect(database.alarms().map(({ actor, at_ms }) => [actor, at_ms - start])).toEqual([["near", 40], ["twice", 60], ["far", 400]]);
    await scheduler.stop();
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  test("an alarm set beyond the horizon by a running handler keeps the nearer row until the handler ends, then moves to its own time", async () => {
    const database = openDatabase();
    const start = Date.now();
    let rows_while_running: Array<{ actor: string; at_ms: number }> = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const scheduler: AlarmScheduler = new AlarmScheduler(
      database,
      Date.now,
      async (actor) => {
        scheduler.set(actor, start + 60_000);
        // The process could die here, before the handler's work is durable: the row that
        // wakes the actor again must still be the near one.
        rows_while_running = database.alarms();
        await released;
      },
      { horizon_ms: 1_000, load_interval_ms: 100 },
    );
    scheduler.restore();
    scheduler.set("a", start);
    await until(() => rows_while_running.length > 0);
    expect(rows_while_running).toEqual([{ actor: "a", at_ms: start }]);
    release();
    await until(() => scheduler.get("a") === null);
    expect(database.alarms()).toEqual([{ actor: "a", at_ms: start + 60_000 }]);
    expect(scheduler.pending()).toBe(0);
    await scheduler.stop();
  });
});
