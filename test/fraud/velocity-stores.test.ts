import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PermanentError, TransientError } from "../../src/core/errors.ts";
import type { VelocityObservation } from "../../src/core/fraud/velocity.ts";
import { EmbeddedVelocityStore } from "../../src/velocity/embedded-sqlite.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { runVelocityContract } from "./velocity-contract.ts";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

runVelocityContract("memory", () => new MemoryVelocityStore());
runVelocityContract("embedded sqlite", () => new EmbeddedVelocityStore(new Database(":memory:")));
runVelocityContract("embedded sqlite with safeIntegers", () => new EmbeddedVelocityStore(new Database(":memory:", { safeIntegers: true })));

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("embedded sqlite velocity store", () => {
  test("counters survive closing and reopening the database file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "velocity-"));
    folders.push(folder);
    const path = join(folder, "actors.sqlite");
    const first = new Database(path);
    await new EmbeddedVelocityStore(first).observe([{ counter: "c", member: "m1", weight: 1, window_ms: HOUR_MS }], 1000);
    first.close();
    const second = new Database(path);
    const totals = await new EmbeddedVelocityStore(second).observe([{ counter: "c", member: "m2", weight: 1, window_ms: HOUR_MS }], 2000);
    expect(totals).toEqual([2]);
    second.close();
  });

  test("a database failure is a TransientError", async () => {
    const database = new Database(":memory:");
    const store = new EmbeddedVelocityStore(database);
    database.close();
    const observing = store.observe([{ counter: "c", member: "m", weight: 1, window_ms: HOUR_MS }], 0);
    await expect(observing).rejects.toBeInstanceOf(TransientError);
  });

  test("one failing observation rolls back the whole call", async () => {
    const database = new Database(":memory:");
    const store = new EmbeddedVelocityStore(database);
    database.run("CREATE TRIGGER refuse BEFORE INSERT ON velocity_members WHEN NEW.member = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    const good: VelocityObservation = { counter: "c", member: "good", weight: 1, window_ms: HOUR_MS };
    await expect(store.observe([good, { ...good, member: "bad" }], 0)).rejects.toBeInstanceOf(TransientError);
    expect(database.query("SELECT COUNT(*) AS rows FROM velocity_members").get()).toEqual({ rows: 0 });
  });

  test("the sweep deletes members of counters that are never observed again", async () => {
    const database = new Database(":memory:");
    const store = new EmbeddedVelocityStore(database, { sweep_interval_ms: HOUR_MS });
    await store.observe([{ counter: "one-off", member: "m", weight: 1, window_ms: HOUR_MS }], 0);
    await store.observe([{ counter: "other", member: "m", weight: 1, window_ms: HOUR_MS }], DAY_MS + HOUR_MS);
    expect(database.query("SELECT counter FROM velocity_members").all()).toEqual([{ counter: "other" }]);
  });
});

describe("memory velocity store", () => {
  test("the sweep deletes members of counters that are never observed again", async () => {
    const store = new MemoryVelocityStore({ sweep_interval_ms: HOUR_MS });
    await store.observe([{ counter: "one-off", member: "m", weight: 1, window_ms: HOUR_MS }], 0);
    await store.observe([{ counter: "other", member: "m", weight: 1, window_ms: HOUR_MS }], DAY_MS + HOUR_MS);
    expect(store.size).toBe(1);
  });

  test("the sweep keeps members of a window longer than the retention", async () => {
    const store = new MemoryVelocityStore({ retention_ms: HOUR_MS, sweep_interval_ms: 1 });
    await store.observe([{ counter: "weekly", member: "m1", weight: 1, window_ms: 7 * DAY_MS }], 0);
    await store.observe([{ counter: "other", member: "m", weight: 1, window_ms: HOUR_MS }], 2 * DAY_MS);
    expect(await store.observe([{ counter: "weekly", member: "m2", weight: 1, window_ms: 7 * DAY_MS }], 3 * DAY_MS)).toEqual([2]);
  });

  test("an unavailable store throws a TransientError", async () => {
    const store = new MemoryVelocityStore();
    store.unavailable = true;
    await expect(store.observe([], 0)).rejects.toBeInstanceOf(TransientError);
  });
});

test("a malformed observation is a PermanentError in both stores", async () => {
  for (const store of [new MemoryVelocityStore(), new EmbeddedVelocityStore(new Database(":memory:"))]) {
    for (const bad of [{ weight: 0 }, { weight: 1.5 }, { window_ms: 0 }, { member: "" }]) {
      const observation = { counter: "c", member: "m", weight: 1, window_ms: HOUR_MS, ...bad };
      await expect(store.observe([observation], 0)).rejects.toBeInstanceOf(PermanentError);
    }
  }
});

test("memory and embedded sqlite stores agree on any sequence of observations", async () => {
  const observation = fc.record({
    counter: fc.constantFrom("a", "b"),
    member: fc.constantFrom("m1", "m2", "m3", "m4"),
    weight: fc.integer({ min: 1, max: 1000 }),
    window_ms: fc.constantFrom(HOUR_MS, DAY_MS),
  });
  const call = fc.record({ advance_ms: fc.integer({ min: 0, max: 2 * HOUR_MS }), observations: fc.array(observation, { maxLength: 4 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(call, { maxLength: 25 }), async (calls) => {
      const memory = new MemoryVelocityStore({ sweep_interval_ms: HOUR_MS });
      const embedded = new EmbeddedVelocityStore(new Database(":memory:"), { sweep_interval_ms: HOUR_MS });
      let now_ms = 0;
      for (const { advance_ms, observations } of calls) {
        now_ms += advance_ms;
        expect(await embedded.observe(observations, now_ms)).toEqual(await memory.observe(observations, now_ms));
      }
    }),
    { numRuns: 200 },
  );
});
