import { describe, expect, test } from "bun:test";
import { WalSyncer, type Waiter } from "../../actors/bun/wal-syncer.ts";

/** An fsync whose completions the test releases, in any order. */
function controlledFsync() {
  const calls: Array<(error: Error | null) => void> = [];
  let running = 0;
  let running_most = 0;
  return {
    calls,
    runningMost: () => running_most,
    fsync: (callback: (error: Error | null) => void) => {
      running += 1;
      running_most = Math.max(running_most, running);
      calls.push((error) => {
        running -= 1;
        callback(error);
      });
    },
  };
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

  test("fsyncs overlap, but answers go in start order: a later success waits for every earlier one", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const syncer = new WalSyncer(fsync, () => {});
    syncer.committed(waiter(log, "a"));
    syncer.committed(waiter(log, "b"));
    syncer.committed(waiter(log, "c"));
    expect(calls).toHaveLength(3);
    calls[1]!(null);
    expect(log).toEqual([]);
    calls[0]!(null);
    expect(log).toEqual(["a durable", "b durable"]);
    calls[2]!(null);
    expect(log).toEqual(["a durable", "b durable", "c durable"]);
    expect(syncer.pending()).toBe(0);
  });

  test("an earlier fsync failing after a later one succeeded fails both: the later does not vouch for it", () => {
    const { calls, fsync } = controlledFsync();
    const log: string[] = [];
    const failures: unknown[] = [];
    const syncer = new WalSyncer(fsync, (error) => failures.push(error));
    syncer.committed(waiter(log, "a"));
    syncer.committed(waiter(log, "b"));
    calls[1]!(null);
    calls[0]!(new Error("EIO"));
    expect(log).toEqual(["a failed: EIO", "b failed: EIO"]);
    expect(failures).toHaveLength(1);
  });

  test("never more fsync calls running than the limit; batches beyond it share the next one", () => {
    const { calls, fsync, runningMost } = controlledFsync();
    const log: string[] = [];
    const syncer = new WalSyncer(fsync, () => {}, 2);
    for (const name of ["a", "b", "c", "d"]) syncer.committed(waiter(log, name));
    expect(calls).toHaveLength(2);
    calls[1]!(null); // frees a slot while the first call still runs
    expect(calls).toHaveLength(3); // c and d share it
    calls[2]!(null);
    expect(log).toEqual([]);
    calls[0]!(null);
    expect(log).toEqual(["a durable", "b durable", "c durable", "d durable"]);
    expect(runningMost()).toBe(2);
  });

  test("idle() waits for every fsync call to return", async () => {
    const { calls, fsync } = controlledFsync();
    const syncer = new WalSyncer(fsync, () => {});
    syncer.committed(waiter([], "a"));
    syncer.committed(waiter([], "b"));
    let idle = false;
    const waiting = syncer.idle().then(() => (idle = true));
    calls[0]!(null);
    await Promise.resolve();
    expect(idle).toBe(false);
    calls[1]!(null);
    await waiting;
    expect(idle).toBe(true);
  });

  test("after a failure every later batch fails at once, and the failure is reported once", () => {
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
