/**
 * The actor database's WAL does not grow without bound: once it holds more than
 * wal_frames_max frames, the checkpoint thread makes it start over, and a file grown past
 * that while a reader held an old snapshot is cut back to it (checkpoint-worker.ts). With PASSIVE checkpoints alone it grew to 7.2 GB under sustained load.
 */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";

/** 64 frames of 4 KiB pages, each with its 24-byte header, after the WAL's 32-byte header. */
const BOUND_BYTES = 32 + 64 * (24 + 4_096);

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

test("a WAL grown while a reader held an old snapshot is cut back to the bound once the reader moves on", async () => {
  const directory = mkdtempSync(join(tmpdir(), "wal-bound-"));
  directories.push(directory);
  const path = join(directory, "actors.sqlite");
  const database = new ActorDatabase({ path, durability: "process", checkpoint_interval_ms: 10, wal_frames_max: 64 });
  const reader = new Database(path, { readonly: true });
  const value = "x".repeat(1_000);
  database.put("a", "first", value);
  await database.sync();
  // A snapshot held open: nothing after it can be checkpointed, so the WAL grows.
  reader.exec("BEGIN");
  reader.query("SELECT count(*) FROM actor_rows").get();
  for (let batch = 0; batch < 40; batch += 1) {
    for (let row = 0; row < 50; row += 1) database.put(`actor_${batch}_${row}`, "row", value);
    await database.sync();
  }
  const grown = statSync(`${path}-wal`).size;
  expect(grown).toBeGreaterThan(1_000_000);
  reader.exec("COMMIT");
  const deadline = Date.now() + 10_000;
  let size = grown;
  while (Date.now() < deadline) {
    database.put("a", "tick", value);
    await database.sync();
    size = statSync(`${path}-wal`).size;
    if (size <= BOUND_BYTES) break;
    await Bun.sleep(20);
  }
  expect(size).toBeLessThanOrEqual(BOUND_BYTES);
  expect(database.get("actor_39_49", "row")).toBe(value);
  reader.close();
  await database.close();
}, 30_000);
