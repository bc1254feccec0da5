/** ActorDatabase's commit interval: fewer, larger group commits under load, no wait when idle. */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function open(commit_interval_ms: number): ActorDatabase {
  const directory = mkdtempSync(join(tmpdir(), "commit-interval-"));
  directories.push(directory);
  return new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process", commit_interval_ms });
}

const turns = async (count: number) => {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

test("the first batch commits on the next turn; one soon after waits for the interval, and flush() does not", async () => {
  const database = open(60_000);
  database.put("pay_1", "state", "1");
  await turns(3);
  expect(database.commits).toBe(1);
  database.put("pay_1", "state", "2");
  database.put("pay_2", "state", "3");
  let durable = false;
  void database.sync().then(() => (durable = true));
  await turns(3);
  expect(database.commits).toBe(1);
  expect(durable).toBe(false);
  await database.flush();
  expect(database.commits).toBe(2);
  expect(durable).toBe(true);
  expect(database.get("pay_1", "state")).toBe("2");
  await database.close();
});

test("without an interval every batch commits on the next turn", async () => {
  const database = open(0);
  for (let n = 1; n <= 3; n += 1) {
    database.put("pay_1", "state", String(n));
    await turns(2);
  }
  expect(database.commits).toBe(3);
  await database.close();
});
