/** Guarantee 4: different keys proceed in parallel; one slow or failing key stalls no other. */
import { expect } from "bun:test";
import { drained, eventually, inAcceptanceOrder, probe, processedIds, type SuiteContext } from "./context.ts";

export function keysRunInParallel({ start, test }: SuiteContext): void {
  test("a key whose message is slow does not hold up another key", async () => {
    const host = await start();
    const slow = probe(host, "slow");
    const quick = probe(host, "quick");
    await slow.send({ id: "slow", amount: 1, work_ms: 1_000 });
    const ids = Array.from({ length: 5 }, (_, i) => `q${i}`);
    for (const id of ids) await quick.send({ id, amount: 1, work_ms: 2 });
    const done = await drained(host, "quick", ids.length);
    expect(processedIds(done)).toEqual(ids);
    // The slow key's one message is still in progress: the quick key did not wait for it.
    expect((await slow.state()).processed).toEqual([]);
    await drained(host, "slow", 1);
  });

  test("a key whose message keeps failing does not stall other keys", async () => {
    const host = await start();
    const failing = probe(host, "failing");
    await failing.send({ id: "poison", amount: 1, fail_times: 1_000_000 });
    const others = ["a", "b", "c"];
    const sent = await Promise.all(
      others.map(async (key) => {
        const ids = [1, 2, 3].map((i) => `${key}${i}`);
        const acks = await Promise.all(ids.map((id, i) => probe(host, key).send({ id, amount: i + 1, work_ms: 1 })));
        return { key, order: inAcceptanceOrder(ids, acks) };
      }),
    );
    for (const { key, order } of sent) {
      const state = await drained(host, key, 3);
      expect(processedIds(state)).toEqual(order);
      expect(state.sum).toBe(6);
    }
    // The failing key is still being retried by its alarm, and has applied nothing.
    const stuck = await eventually(host, "the failing key retries", () => failing.state(), (state) => state.failures >= 3);
    expect(stuck.processed).toEqual([]);
    expect(stuck.sum).toBe(0);
    expect(stuck.inbox.map((entry) => entry.id)).toEqual(["poison"]);
  });

  test("many keys accept and process at once, each in its own order", async () => {
    const host = await start();
    const keys = Array.from({ length: 25 }, (_, i) => `k${i}`);
    const ids = (key: string) => Array.from({ length: 6 }, (_, i) => `${key}-m${i}`);
    await Promise.all(
      keys.map(async (key) => {
        for (const id of ids(key)) await probe(host, key).send({ id, amount: 1, work_ms: 1 });
      }),
    );
    for (const key of keys) {
      const state = await drained(host, key, 6);
      expect(processedIds(state)).toEqual(ids(key));
      expect(state.interleavings).toBe(0);
    }
  });
}
