/** Guarantee 2: a message is acknowledged only after it is durable in the actor's storage. */
import { expect } from "bun:test";
import { drained, probe, processedIds, type SuiteContext } from "./context.ts";

export function acknowledgesAfterDurable({ start, test }: SuiteContext): void {
  test("a message restarted away right after its acknowledgement is still there and is processed", async () => {
    const host = await start();
    const actor = probe(host, "durable");
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = `m${i}`;
      ids.push(id);
      // Due later, so it is still in the inbox when the restart comes.
      const ack = await actor.send({ id, amount: 1, not_before_ms: 30 });
      expect(ack).toEqual({ outcome: "accepted", number: i + 1 });
      await host.restart();
      const state = await actor.state();
      expect([...processedIds(state), ...state.inbox.map((entry) => entry.id)]).toEqual(ids);
      expect(state.accepted).toBe(i + 1);
    }
    const state = await drained(host, "durable", ids.length);
    expect(processedIds(state)).toEqual(ids);
    expect(state.sum).toBe(ids.length);
  });

  test("messages acknowledged together survive a restart made as the last acknowledgement arrives", async () => {
    const host = await start();
    const actor = probe(host, "batch");
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const acks = await Promise.all(ids.map((id) => actor.send({ id, amount: 2, not_before_ms: 20 })));
    await host.restart();
    expect(acks.every((ack) => ack.outcome === "accepted")).toBe(true);
    const state = await drained(host, "batch", ids.length);
    expect(processedIds(state).sort()).toEqual([...ids].sort());
    expect(state.sum).toBe(60);
  });

  test("a duplicate is acknowledged only once its original is durable", async () => {
    const host = await start();
    const actor = probe(host, "twin");
    // Two deliveries of one message, arriving in no guaranteed order.
    const deliveries = [1, 2].map(() => actor.send({ id: "m1", amount: 5, not_before_ms: 20 }));
    const first = await Promise.race(deliveries);
    // Whichever answer comes first, original or duplicate, the message is durable by then.
    await host.restart();
    expect(first.number).toBe(1);
    const answers = await Promise.allSettled(deliveries);
    const outcomes = answers.flatMap((answer) => (answer.status === "fulfilled" ? [answer.value.outcome] : []));
    expect(outcomes.filter((outcome) => outcome === "accepted").length).toBeLessThanOrEqual(1);
    const state = await drained(host, "twin", 1);
    expect(processedIds(state)).toEqual(["m1"]);
    expect(state.sum).toBe(5);
  });
}
