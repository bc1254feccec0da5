/** Acceptance is idempotent: a redelivered message is acknowledged and changes nothing. */
import { expect } from "bun:test";
import { lifecycle } from "../support/events.ts";
import { drained, eventually, payment, probe, processedIds, type SuiteContext } from "./context.ts";

export function duplicateChangesNothing({ start, test }: SuiteContext): void {
  test("a duplicate message is acknowledged as a duplicate and processed once, before and after processing and restarts", async () => {
    const host = await start();
    const actor = probe(host, "dupes");
    const concurrent = await Promise.all([1, 2, 3].map(() => actor.send({ id: "m1", amount: 10, work_ms: 5 })));
    expect(concurrent.map((ack) => ack.outcome).sort()).toEqual(["accepted", "duplicate", "duplicate"]);
    expect(concurrent.map((ack) => ack.number)).toEqual([1, 1, 1]);
    await drained(host, "dupes", 1);
    expect(await actor.send({ id: "m1", amount: 10 })).toEqual({ outcome: "duplicate", number: 1 });
    await host.restart();
    expect(await actor.send({ id: "m1", amount: 10 })).toEqual({ outcome: "duplicate", number: 1 });
    expect(await actor.send({ id: "m2", amount: 1 })).toEqual({ outcome: "accepted", number: 2 });
    const state = await drained(host, "dupes", 2);
    expect(processedIds(state)).toEqual(["m1", "m2"]);
    expect(state.sum).toBe(11);
    expect(state.accepted).toBe(2);
  });

  test("a duplicate payment event is acknowledged and changes nothing", async () => {
    const host = await start();
    const actor = payment(host, "pay_dupe");
    const [created, authorized] = lifecycle("pay_dupe");
    expect(await actor.accept(created!)).toBe("accepted");
    expect(await actor.accept(created!)).toBe("duplicate");
    expect(await actor.accept(authorized!)).toBe("accepted");
    const view = await eventually(host, "pay_dupe is authorized", () => actor.inspect(), (view) => view?.status === "authorized");
    expect(await actor.accept(created!)).toBe("duplicate");
    await host.restart();
    expect(await actor.accept(authorized!)).toBe("duplicate");
    await host.elapse(30);
    const after = await actor.inspect();
    expect(after?.version).toBe(view!.version);
    expect(after?.events.map((event) => event.id)).toEqual([created!.id, authorized!.id]);
  });
}
