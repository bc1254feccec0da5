/** Alarms are at-least-once: a handler firing twice, early, or while it runs is harmless. */
import { expect } from "bun:test";
import { drained, eventually, inAcceptanceOrder, probe, processedIds, type SuiteContext } from "./context.ts";

export function alarmIdempotent({ start, test }: SuiteContext): void {
  test("an alarm firing twice, or while its handler runs, applies every message once", async () => {
    const host = await start();
    const actor = probe(host, "twice");
    const ids = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const sends = ids.map((id) => actor.send({ id, amount: 1, work_ms: 5 }));
    const fires = [actor.fire(), actor.fire()];
    const acks = await Promise.all(sends);
    expect(new Set(acks.map((ack) => ack.number)).size).toBe(ids.length);
    fires.push(actor.fire(), actor.fire());
    await host.elapse(12);
    fires.push(actor.fire());
    await Promise.all(fires);
    const state = await drained(host, "twice", ids.length);
    expect(processedIds(state)).toEqual(inAcceptanceOrder(ids, acks));
    expect(state.sum).toBe(ids.length);
    expect(state.interleavings).toBe(0);
    expect(state.stale).toBe(0);
  });

  test("an alarm firing with nothing due changes nothing", async () => {
    const host = await start();
    const actor = probe(host, "idle");
    await actor.send({ id: "now", amount: 1 });
    await actor.send({ id: "later", amount: 2, not_before_ms: 300 });
    const before = await eventually(host, "the due message is processed", () => actor.state(), (state) => state.processed.length === 1);
    expect(processedIds(before)).toEqual(["now"]);
    await Promise.all([actor.fire(), actor.fire()]);
    const after = await actor.state();
    expect(after.processed).toEqual(before.processed);
    expect(after.inbox).toEqual(before.inbox);
    expect(after.alarm).toBe(before.inbox[0]!.due_at);
    const state = await drained(host, "idle", 2);
    expect(processedIds(state)).toEqual(["now", "later"]);
  });
}
