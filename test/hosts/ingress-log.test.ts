/**
 * The ingress log's file: one row a group commit, the actors' watermark read at start, and an
 * older version's table of one row an entry taken over.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { deliveredThroughWriter, IngressLog, IngressReader, readDeliveredThrough } from "../../actors/bun/ingress-log.ts";

const directories: string[] = [];
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function directory(): string {
  const path = mkdtempSync(join(tmpdir(), "ingress-log-"));
  directories.push(path);
  return path;
}

function openDatabase(path: string): ActorDatabase {
  const database = new ActorDatabase({ path, durability: "process", commit_failure_rejects: true });
  closers.push(() => database.close());
  return database;
}

function rows(database: ActorDatabase): Array<{ last_sequence: number; entries: number }> {
  return database.db.query("SELECT last_sequence, json_array_length(entries) AS entries FROM ingress_batches ORDER BY last_sequence").all() as Array<{ last_sequence: number; entries: number }>;
}

test("a group commit's entries are one row, read back in order with their values", async () => {
  const path = join(directory(), "ingress.sqlite");
  const database = openDatabase(path);
  const log = new IngressLog<{ n: number }>(database);
  for (let n = 1; n <= 3; n += 1) log.append(`pay_${n % 2}`, `evt_${n}`, { n });
  await database.sync();
  log.append("pay_1", "evt_4", { n: 4 });
  await database.sync();
  expect(rows(database)).toEqual([
    { last_sequence: 3, entries: 3 },
    { last_sequence: 4, entries: 1 },
  ]);
  const reader = new IngressReader<{ n: number }>(path);
  closers.push(() => reader.close());
  expect(reader.entries(0, 4, 10).map((entry) => [entry.sequence, entry.actor, entry.id, entry.value.n])).toEqual([
    [1, "pay_1", "evt_1", 1],
    [2, "pay_0", "evt_2", 2],
    [3, "pay_1", "evt_3", 3],
    [4, "pay_1", "evt_4", 4],
  ]);
  // Only what was announced, from where delivery stands, at most a page.
  expect(reader.entries(1, 3, 1).map((entry) => entry.sequence)).toEqual([2]);
  expect(reader.entriesFor("pay_1", 1, 4).map((entry) => entry.sequence)).toEqual([3, 4]);
});

test("delivered rows go with the next commit that appends, a row partly delivered stays", async () => {
  const database = openDatabase(join(directory(), "ingress.sqlite"));
  const log = new IngressLog<null>(database);
  log.append("pay_a", "evt_1", null);
  log.append("pay_a", "evt_2", null);
  await database.sync();
  log.append("pay_b", "evt_3", null);
  await database.sync();
  expect(log.deliveredThrough(1)).toBe(1);
  log.append("pay_c", "evt_4", null);
  await database.sync();
  expect(rows(database).map((row) => row.last_sequence)).toEqual([2, 3, 4]);
  expect(log.has("pay_a", "evt_1")).toBe(false);
  expect(log.has("pay_a", "evt_2")).toBe(true);
  expect(log.deliveredThrough(3)).toBe(2);
  log.append("pay_d", "evt_5", null);
  await database.sync();
  expect(rows(database).map((row) => row.last_sequence)).toEqual([4, 5]);
});

test("entries the actors' watermark covers are not pending at start, and new sequences continue above it", async () => {
  const folder = directory();
  const ingress_path = join(folder, "ingress.sqlite");
  const actors_path = join(folder, "actors.sqlite");
  const first = new ActorDatabase({ path: ingress_path, durability: "process", commit_failure_rejects: true });
  const log = new IngressLog<null>(first);
  for (let n = 1; n <= 4; n += 1) log.append(`pay_${n}`, `evt_${n}`, null);
  await first.sync();
  await first.close();

  expect(readDeliveredThrough(actors_path)).toBe(0);
  const actors = new ActorDatabase({ path: actors_path, durability: "process" });
  deliveredThroughWriter(actors)(3);
  await actors.close();
  expect(readDeliveredThrough(actors_path)).toBe(3);

  const again = new IngressLog<null>(openDatabase(ingress_path), readDeliveredThrough(actors_path));
  expect(again.size()).toBe(1);
  expect(again.has("pay_3", "evt_3")).toBe(false);
  expect(again.has("pay_4", "evt_4")).toBe(true);
  expect(again.lastSequence()).toBe(4);

  // A log file replaced by an empty one: its sequences start above the watermark, never inside it.
  rmSync(ingress_path, { force: true });
  const fresh = new IngressLog<null>(openDatabase(join(folder, "other-ingress.sqlite")), 9);
  expect(fresh.append("pay_5", "evt_5", null)).toBe(10);
});

test("an unreadable actors' file reads as no watermark: everything in the log is delivered again", async () => {
  const folder = directory();
  const actors_path = join(folder, "actors.sqlite");
  await Bun.write(actors_path, "garbage".repeat(1000));
  expect(readDeliveredThrough(actors_path)).toBe(0);
});

test("an older version's table of one row an entry is taken over at open, in order, and goes", async () => {
  const path = join(directory(), "ingress.sqlite");
  const database = openDatabase(path);
  database.db.exec("CREATE TABLE ingress_log (sequence INTEGER PRIMARY KEY, actor TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL)");
  database.db.exec("CREATE INDEX ingress_log_actor ON ingress_log (actor, sequence)");
  for (const [sequence, actor] of [[7, "pay_x"], [8, "pay_y"]] as const) {
    database.db.query("INSERT INTO ingress_log VALUES (?, ?, ?, ?)").run(sequence, actor, `evt_${sequence}`, JSON.stringify({ accepted_at: sequence }));
  }
  const log = new IngressLog<{ accepted_at: number }>(database);
  expect(log.size()).toBe(2);
  expect(log.has("pay_y", "evt_8")).toBe(true);
  expect(log.append("pay_z", "evt_9", { accepted_at: 9 })).toBe(9);
  await database.sync();
  expect(database.db.query("SELECT name FROM sqlite_master WHERE name = 'ingress_log'").get()).toBeNull();
  const reader = new IngressReader<{ accepted_at: number }>(path);
  closers.push(() => reader.close());
  expect(reader.entries(0, 9, 10).map((entry) => [entry.sequence, entry.actor, entry.value.accepted_at])).toEqual([
    [7, "pay_x", 7],
    [8, "pay_y", 8],
    [9, "pay_z", 9],
  ]);
});
