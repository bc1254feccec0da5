/**
 * End to end under workerd: signed webhooks into the production Worker, through payment
 * actors and sink writers (Neon's driver over a local WebSocket-to-TCP proxy), into a real
 * PostgreSQL; with duplicate deliveries, sequenced events sent in reverse, and a restart of
 * workerd on the same persist folder in the middle. Then Postgres holds every event once,
 * every payment's projection, and a ledger that balances and matches the events.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { countPaymentEvents, ledgerAccounts } from "../../src/sink/queries.ts";
import { readPayment } from "../support/sink-reads.ts";
import { sendSigned } from "../support/http-target.ts";
import { expectedAccountTotals, expectedPayment, lifecycleEvents, plansArbitrary, type AccountTotals, type LifecyclePlan } from "../support/lifecycles.ts";
import { startWorkerdHost, type WorkerdHost } from "../support/workerd-host.ts";

const PAYMENTS = 24;
let host: WorkerdHost;

beforeAll(async () => {
  // Held events must not time out into the DLQ while their predecessors are on the way.
  host = await startWorkerdHost({ variables: { HOLD_TIMEOUT_MS: "120000" } });
}, 60_000);

afterAll(async () => {
  await host?.stop();
});

async function deliver(event: object): Promise<string> {
  const response = await sendSigned({ ...host, url: host.workerd.url() }, event);
  const text = await response.text();
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { status: string }).status;
}

async function inspect(payment_id: string): Promise<Record<string, any> | null> {
  const response = await fetch(`${host.workerd.url()}/payments/${payment_id}`, {
    headers: { authorization: `Bearer ${host.admin_token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 404) return null;
  return (await response.json()) as Record<string, any>;
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, wait_ms = 30_000): Promise<T> {
  const deadline = Date.now() + wait_ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${wait_ms} ms; last: ${JSON.stringify(value)?.slice(0, 1_000)}`);
    await Bun.sleep(50);
  }
}

test(
  "signed webhooks reach Postgres through payment actors and sink writers, and the ledger balances and matches the events",
  async () => {
    const [plans] = fc.sample(plansArbitrary({ min: PAYMENTS, max: PAYMENTS }), { numRuns: 1, seed: 20261121 }) as [LifecyclePlan[]];
    const events = plans.map((plan) => lifecycleEvents(plan));
    const half = (list: object[]) => list.slice(0, Math.ceil(list.length / 2));

    // First half of every lifecycle, each event delivered twice, payments concurrently.
    // Sequenced lifecycles go in reverse: the actors' reorder buffers put them right.
    const order = (plan: LifecyclePlan, list: object[]) => (plan.sequenced ? [...list].reverse() : list);
    const outcomes: string[] = [];
    await Promise.all(
      plans.map(async (plan, index) => {
        for (const event of order(plan, half(events[index]!))) {
          outcomes.push(await deliver(event), await deliver(event));
        }
      }),
    );
    await host.workerd.restart();
    await Promise.all(
      plans.map(async (plan, index) => {
        const list = events[index]!;
        for (const event of order(plan, list.slice(Math.ceil(list.length / 2)))) outcomes.push(await deliver(event));
        // A redelivery of the first event after the restart is still a duplicate.
        outcomes.push(await deliver(list[0]!));
      }),
    );
    const total_events = events.reduce((sum, list) => sum + list.length, 0);
    expect(outcomes.filter((outcome) => outcome === "accepted").length).toBe(total_events);

    for (const plan of plans) {
      const expected = expectedPayment(plan);
      const view = await waitFor(
        `${plan.payment_id} settles as ${expected.status}`,
        () => inspect(plan.payment_id),
        (view) => view?.version === expected.version && view.outbox.pending === 0 && view.held.length === 0,
      );
      expect({ id: plan.payment_id, status: view!.status, amounts: view!.amounts }).toEqual({
        id: plan.payment_id,
        status: expected.status,
        amounts: expected.amounts,
      });
      expect(view!.dead_letters).toEqual([]);
      const row = await readPayment(host.database, plan.payment_id);
      expect({ status: row?.status, version: row?.version }).toEqual({ status: expected.status, version: expected.version });
    }
    expect(await countPaymentEvents(host.database)).toBe(total_events);

    const expected_totals = expectedAccountTotals(plans);
    const currencies = [...new Set(plans.map((plan) => plan.currency))];
    const actual_totals: AccountTotals = {};
    for (const currency of currencies) {
      const accounts = await ledgerAccounts(host.database, currency);
      const sides = { debits_pending: 0n, debits_posted: 0n, credits_pending: 0n, credits_posted: 0n };
      for (const account of accounts) {
        const balance = {
          debits_pending: Number(account.debits_pending),
          debits_posted: Number(account.debits_posted),
          credits_pending: Number(account.credits_pending),
          credits_posted: Number(account.credits_posted),
        };
        for (const side of Object.keys(sides) as Array<keyof typeof sides>) sides[side] += account[side];
        if (Object.values(balance).some((value) => value !== 0)) actual_totals[`${currency} ${account.account}`] = balance;
      }
      // Double entry: debits equal credits, pending and posted, per currency.
      expect(sides.debits_pending).toBe(sides.credits_pending);
      expect(sides.debits_posted).toBe(sides.credits_posted);
    }
    expect(actual_totals).toEqual(expected_totals);
  },
  120_000,
);
