import { describe, expect, test } from "bun:test";
import { WalSyncer, type Waiter } from "../../actors/bun/wal-syncer.ts";

/** An fsync whose completions the test releases, in any order. */
function controlledFsync() {
  const calls: Array<(error: Error | null) => void> = [];
  return { calls, fsync: (callback: (error: Error | null) => void) => void calls.push(callback) };
}

function waiter(log: string[], name: string): Waiter {
  return { resolve: () => log.push(`${name} durable`), reject: (error) => log.push(`${name} failed: ${(error as Error).message}`) };
}

describe("WalSyncer", () => {
  test("a batch is answered only after an fsync that started after it committed", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const syncer = new WalSyncer(fsync, () => {});
    syncer.committed(waiter(log, "a"));
    expect(calls).toHaveLength(1);
    expect(log).toEqual([]);
    calls[0]!(null);
    expect(log).toEqual(["a durable"]);
  });

  test("fsyncs overlap, and a later one completing first answers every earlier batch, in commit order", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const syncer = new WalSyncer(fsync, () => {});
    syncer.committed(waiter(log, "a"));
    syncer.committed(waiter(log, "b"));
    syncer.committed(waiter(log, "c"));
    expect(calls).toHaveLength(3);
    calls[1]!(null);
    expect(log).toEqual(["a durable", "b durable"]);
    calls[0]!(null); // covered already: answers nobody twice
    expect(log).toEqual(["a durable", "b durable"]);
    calls[2]!(null);
    expect(log).toEqual(["a durable", "b durable", "c durable"]);
    expect(syncer.pending()).toBe(0);
  });

  test("beyond the limit in flight, batches wait and share the next fsync", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const syncer = new WalSyncer(fsync, () => {}, 2);
    for (const name of ["a", "b", "c", "d"]) syncer.committed(waiter(log, name));
    expect(calls).toHaveLength(2);
    expect(syncer.pending()).toBe(4);
    calls[0]!(null);
    expect(log).toEqual(["a durable"]);
    expect(calls).toHaveLength(3); // c and d share one
    calls[2]!(null);
    expect(log).toEqual(["a durable", "b durable", "c durable", "d durable"]);
  });

  test("a failed fsync fails every waiting batch and every later one, and reports once", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const failures: unknown[] = [];
    const syncer = new WalSyncer(fsync, (error) => failures.push(error), 1);
    syncer.committed(waiter(log, "a"));
    syncer.committed(waiter(log, "b"));
    calls[0]!(new Error("EIO"));
    expect(log).toEqual(["a failed: EIO", "b failed: EIO"]);
    syncer.committed(waiter(log, "c"));
    expect(log[2]).toStartWith("c failed");
    expect(failures).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });
});
