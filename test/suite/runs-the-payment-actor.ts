/** The real payment actor, through the same host: a lifecycle ends in the right status. */
import { expect } from "bun:test";
import { lifecycle } from "../support/events.ts";
import { eventually, payment, type SuiteContext } from "./context.ts";
import type { TestHost } from "./host.ts";
import { SUITE_VELOCITY_DELAY_MS } from "./suite-actors.ts";

function settled(host: TestHost, payment_id: string, status: string) {
  return eventually(
    host,
    `${payment_id} reaches ${status} with an empty inbox and outbox`,
    () => payment(host, payment_id).inspect(),
    (view) => view?.status === status && view.inbox.length === 0 && view.retries.length === 0 && view.outbox.pending === 0,
  );
}

export function runsThePaymentActor({ start, test }: SuiteContext): void {
  test("the payment actor runs a lifecycle to partially_refunded", async () => {
    const host = await start();
    const actor = payment(host, "pay_life");
    for (const event of lifecycle("pay_life")) expect(await actor.accept(event)).toBe("accepted");
    const view = await settled(host, "pay_life", "partially_refunded");
    expect(view!.amounts).toEqual({ authorized: 5000, captured: 4000, refunded: 1000, disputed: 0, fees: 120 });
    expect(view!.version).toBe(4);
    expect(view!.events.map((event) => event.type)).toEqual([
      "payment.created",
      "payment.authorized",
      "payment.captured",
      "payment.refunded",
    ]);
  });

  test("the payment actor finishes a lifecycle interrupted by restarts", async () => {
    const host = await start();
    const actor = payment(host, "pay_restart");
    const events = lifecycle("pay_restart");
    for (const event of events) {
      expect(await actor.accept(event)).toBe("accepted");
      await host.restart();
    }
    const view = await settled(host, "pay_restart", "partially_refunded");
    expect(view!.version).toBe(4);
    expect(view!.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  test("the payment actor finishes after a restart while its handler awaits the fraud check", async () => {
    const host = await start();
    const actor = payment(host, "pay_crash");
    const events = lifecycle("pay_crash");
    // The first acceptance starts the alarm's run loop, which then awaits the velocity store;
    // the second arrives while it waits (and may wake the actor a second time).
    expect(await actor.accept(events[0]!)).toBe("accepted");
    await host.elapse(SUITE_VELOCITY_DELAY_MS / 10);
    expect(await actor.accept(events[1]!)).toBe("accepted");
    await host.elapse(SUITE_VELOCITY_DELAY_MS / 10);
    await host.restart();
    const view = await settled(host, "pay_crash", "authorized");
    expect(view!.version).toBe(2);
    for (const event of events.slice(2)) expect(await actor.accept(event)).toBe("accepted");
    expect((await settled(host, "pay_crash", "partially_refunded"))!.events.map((event) => event.id)).toEqual(
      events.map((event) => event.id),
    );
  });

  test("many payments run side by side, each to its own end", async () => {
    const host = await start();
    const ids = Array.from({ length: 10 }, (_, i) => `pay_many_${i}`);
    await Promise.all(
      ids.map(async (id) => {
        for (const event of lifecycle(id)) expect(await payment(host, id).accept(event)).toBe("accepted");
      }),
    );
    for (const id of ids) expect((await settled(host, id, "partially_refunded"))!.version).toBe(4);
  });
}
