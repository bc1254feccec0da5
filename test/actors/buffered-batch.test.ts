/**
 * ActorDatabase keeps a batch's rows in memory until COMMIT: reads inside the batch see them
 * merged with what the file holds, and a transaction that throws is undone in memory.
 */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function open(): { database: ActorDatabase; path: string } {
  const directory = mkdtempSync(join(tmpdir(), "buffered-batch-"));
  const path = join(directory, "actors.sqlite");
  const database = new ActorDatabase({ path, durability: "process" });
  cleanups.push(async () => {
    if (!database.closed) await database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { database, path };
}

const keys = (rows: Array<{ key: string }>) => rows.map((row) => row.key);

test("list merges the batch's puts and deletes with stored rows, in key order, and fills its page past deleted ones", async () => {
  const { database } = open();
  for (const key of ["row:1", "row:2", "row:3", "row:4", "row:5"]) database.put("a", key, `stored ${key}`);
  await database.sync();
  database.delete("a", "row:1");
  database.delete("a", "row:2");
  database.put("a", "row:3", "changed");
  database.put("a", "row:25", "new");
  database.put("b", "row:0", "another actor");
  expect(keys(database.list("a", "row:", undefined, 3))).toEqual(["row:25", "row:3", "row:4"]);
  expect(database.list("a", "row:", "row:25", 1)).toEqual([{ key: "row:3", value: "changed" }]);
  expect(keys(database.list("a", "row:", "row:4", 10))).toEqual(["row:5"]);
  expect([database.get("a", "row:1"), database.get("a", "row:3"), database.get("a", "row:4")]).toEqual([undefined, "changed", "stored row:4"]);
  await database.sync();
  expect(keys(database.list("a", "row:", undefined, 10))).toEqual(["row:25", "row:3", "row:4", "row:5"]);
});

test("buffered keys sort as SQLite sorts them (code points), not as UTF-16 units", async () => {
  const { database } = open();
  // U+FFFD sorts below U+1F600 in UTF-8; its UTF-16 unit sorts above the surrogate pair's.
  database.put("a", "k:\u{1F600}", "1");
  await database.sync();
  database.put("a", "k:\uFFFD", "2");
  expect(keys(database.list("a", "k:", undefined, 10))).toEqual(["k:\uFFFD", "k:\u{1F600}"]);
  await database.sync();
  expect(keys(database.list("a", "k:", undefined, 10))).toEqual(["k:\uFFFD", "k:\u{1F600}"]);
});

test("a transaction that throws leaves the batch as it was before it, and the rest of the batch commits", async () => {
  const { database, path } = open();
  database.put("a", "kept", "1");
  await database.sync();
  database.transaction(() => {
    database.put("a", "same-batch", "before");
    database.delete("a", "kept");
  });
  expect(() =>
    database.transaction(() => {
      database.put("a", "same-batch", "during");
      database.put("a", "kept", "during");
      database.put("a", "thrown", "during");
      throw new Error("refused (test)");
    }),
  ).toThrow("refused (test)");
  expect([database.get("a", "same-batch"), database.get("a", "kept"), database.get("a", "thrown")]).toEqual(["before", undefined, undefined]);
  await database.close();
  const reopened = new ActorDatabase({ path, durability: "process" });
  expect(keys(reopened.list("a", "", undefined, 10))).toEqual(["same-batch"]);
  await reopened.close();
});

test("a prepared write refuses to run inside an actor transaction, whose undo could not take it back", () => {
  const { database } = open();
  database.db.exec("CREATE TABLE side_rows (value TEXT NOT NULL)");
  const insertSide = database.prepareWrite("INSERT INTO side_rows (value) VALUES (?)");
  expect(() => database.transaction(() => insertSide("x"))).toThrow(/cannot join an actor transaction/);
});

test("a batch at its write limit commits, and the write that reached the limit is in the next batch, durable at its sync", async () => {
  const directory = mkdtempSync(join(tmpdir(), "buffered-batch-"));
  const path = join(directory, "actors.sqlite");
  const database = new ActorDatabase({ path, durability: "process", batch_writes_max: 1 });
  cleanups.push(async () => {
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  for (const key of ["k1", "k2"]) database.put("a", key, key);
  await database.sync();
  const reader = new Database(path, { readonly: true });
  expect(reader.query("SELECT key FROM actor_rows ORDER BY key").all()).toEqual([{ key: "k1" }, { key: "k2" }]);
  reader.close();
  expect(database.commits).toBe(2);
});
