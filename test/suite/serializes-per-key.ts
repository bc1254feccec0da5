/** Guarantee 1: per key, messages are processed one at a time, in acceptance order. */
import { expect } from "bun:test";
import { drained, inAcceptanceOrder, probe, processedIds, type SuiteContext } from "./context.ts";

export function serializesPerKey({ start, test }: SuiteContext): void {
  test("concurrent messages to one key are processed one at a time, in the order they were accepted", async () => {
    const host = await start();
    const actor = probe(host, "serial");
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    // Each message awaits between reading the state and committing it.
    const acks = await Promise.all(ids.map((id, i) => actor.send({ id, amount: i + 1, work_ms: 3 })));
    expect(acks.every((ack) => ack.outcome === "accepted")).toBe(true);
    const numbers = acks.map((ack) => ack.number);
    expect(new Set(numbers).size).toBe(ids.length);

    const state = await drained(host, "serial", ids.length);
    expect(processedIds(state)).toEqual(inAcceptanceOrder(ids, acks));
    expect(state.processed.map((entry) => entry.position)).toEqual(ids.map((_, i) => i + 1));
    expect(state.sum).toBe((ids.length * (ids.length + 1)) / 2);
    expect(state.interleavings).toBe(0);
    expect(state.stale).toBe(0);
  });

  test("messages sent one after another while the key is busy are processed in send order with no lost update", async () => {
    const host = await start();
    const actor = probe(host, "busy");
    const ids: string[] = [];
    const pending: Array<Promise<unknown>> = [];
    // A slow head keeps the run loop busy while the others arrive, in waves.
    ids.push("slow");
    await actor.send({ id: "slow", amount: 100, work_ms: 60 });
    for (let wave = 0; wave < 4; wave += 1) {
      for (let i = 0; i < 5; i += 1) {
        const id = `w${wave}-${i}`;
        ids.push(id);
        // Awaited one by one: acknowledgement order is send order.
        await actor.send({ id, amount: 1, work_ms: i % 2 === 0 ? 4 : 0 });
      }
      pending.push(actor.fire());
      await host.elapse(15);
    }
    await Promise.all(pending);
    const state = await drained(host, "busy", ids.length);
    expect(processedIds(state)).toEqual(ids);
    expect(state.sum).toBe(120);
    expect(state.interleavings).toBe(0);
    expect(state.stale).toBe(0);
  });
}
