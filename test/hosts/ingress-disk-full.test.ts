/**
 * The ingress log on a disk that fills up (issue 12): a real 2 MiB tmpfs, filled to the last
 * byte. A failed group commit rolls back, forgets the entries of that batch and rejects their
 * waiters with StorageFullError (503 storage_full at the HTTP edge) instead of exiting; no
 * event is acknowledged that is not on disk; once space returns the same events are accepted.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IngressReader } from "../../actors/bun/ingress-log.ts";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { ActorRowsReader } from "../../actors/bun/actor-rows-reader.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../actors/payment/limits.ts";
import { StorageFullError } from "../../src/core/storage-full.ts";
import { BunIngress } from "../../src/hosts/bun/ingress.ts";
import { DEFAULT_PROCESSING_BACKLOG_LIMITS } from "../../src/hosts/bun/processing-backlog.ts";
import { DEFAULT_STORAGE_FULL_RETRY_AFTER_S } from "../../src/hosts/bun/fault-config.ts";
import { event } from "../support/events.ts";

const mount_point = mkdtempSync(join(tmpdir(), "ingress-disk-full-"));
const actors_directory = mkdtempSync(join(tmpdir(), "ingress-disk-full-actors-"));
let mounted = false;
afterAll(() => {
  if (mounted) execFileSync("umount", ["-l", mount_point]);
  rmSync(mount_point, { recursive: true, force: true });
  rmSync(actors_directory, { recursive: true, force: true });
});

/** Writes zeros until the disk refuses; returns the filler's path. */
function fill(directory: string): string {
  const path = join(directory, "filler");
  const descriptor = openSync(path, "w");
  const chunk = new Uint8Array(64 * 1024);
  try {
    for (;;) writeSync(descriptor, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(descriptor);
  }
  return path;
}

test("a full disk rejects the batch's acceptances with StorageFullError, acknowledges nothing it did not write, and resumes when space returns", async () => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount_point]);
    mounted = true;
  } catch (error) {
    throw new Error(`this test mounts a 2 MiB tmpfs and needs root: ${(error as Error).message}`);
  }
  const ingress_path = join(mount_point, "ingress.sqlite");
  const ingress_database = new ActorDatabase({
    path: ingress_path,
    durability: "fsync",
    commit_failure_rejects: true,
    on_durability_failure: (error) => {
      throw new Error(`the ingress must not treat a failed commit as fatal: ${error}`);
    },
  });
  const actors_database = new ActorDatabase({ path: join(actors_directory, "actors.sqlite"), durability: "process" });
  const ingress = new BunIngress(ingress_database, { limits: DEFAULT_PAYMENT_ACTOR_LIMITS, backlog: DEFAULT_PROCESSING_BACKLOG_LIMITS, announce: () => {}, now: Date.now, storage_full_retry_after_s: DEFAULT_STORAGE_FULL_RETRY_AFTER_S });
  const rows = new ActorRowsReader(join(actors_directory, "actors.sqlite"));
  ingress.open(rows);
  const source = { kind: "webhook", source: "dev", webhook_id: "msg" } as const;
  const payload = "x".repeat(8_000);
  const events = new Map<number, ReturnType<typeof event>>();
  const created = (index: number) => {
    if (!events.has(index)) events.set(index, event("payment.created", `pay_full_${index}`, { amount: 100 + index, note: payload }));
    return events.get(index)!;
  };

  const filler = fill(mount_point);
  const accepted: number[] = [];
  let refused: number | null = null;
  for (let index = 0; index < 1_000 && refused === null; index += 1) {
    try {
      expect(await ingress.accept(created(index), source)).toBe("accepted");
      accepted.push(index);
    } catch (error) {
      expect(error).toBeInstanceOf(StorageFullError);
      refused = index;
    }
  }
  expect(refused).not.toBeNull();
  expect(ingress.storageFullSince()).not.toBeNull();
  // What was refused is not in the log (a retry is no duplicate); what was accepted is on disk.
  expect(ingress.log.has(`pay_full_${refused}`, created(refused!).id)).toBe(false);
  const on_disk = () => {
    const reader = new IngressReader<unknown>(ingress_path);
    try {
      return reader.entries(0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((entry) => entry.actor);
    } finally {
      reader.close();
    }
  };
  expect(on_disk()).toEqual(accepted.map((index) => `pay_full_${index}`));
  // Still full: still refused, the host still answers.
  await expect(ingress.accept(created(refused!), source)).rejects.toBeInstanceOf(StorageFullError);

  rmSync(filler);
  expect(await ingress.accept(created(refused!), source)).toBe("accepted");
  expect(ingress.storageFullSince()).toBeNull();
  expect(await ingress.accept(created(refused!), source)).toBe("duplicate");
  expect(on_disk()).toEqual([...accepted, refused!].map((index) => `pay_full_${index}`));

  rows.close();
  await actors_database.close();
  await ingress_database.close();
}, 30_000);
