/** What every case receives, and typed clients over TestHost.call. */
import type { PaymentView } from "../../actors/payment/inspect.ts";
import type { AcceptOutcome } from "../../actors/payment/payment-actor.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import type { HostFactory, HostStartOptions, TestHost } from "./host.ts";
import type { ProbeAck, ProbeMessage, ProbeRequest, ProbeState, TransactionsAnswer } from "./probe-actor.ts";

export interface SuiteContext {
  factory: HostFactory;
  /** Starts a host for the running case; the suite stops it when the case ends. */
  start(options?: HostStartOptions): Promise<TestHost>;
  /** Defines a case (test/support/case-runner.ts). */
  test(name: string, run: () => Promise<void>, timeout_ms?: number): void;
}

/** Every case finishes well within this; hosts' alarms fire within tens of milliseconds. */
export const CASE_TIMEOUT_MS = 20_000;
/** How long a case waits for an outcome that must come. */
export const DEADLINE_MS = 5_000;

export function probe(host: TestHost, key: string) {
  const call = (request: ProbeRequest) => host.call("probe", key, request);
  return {
    send: (message: ProbeMessage) => call({ op: "send", message }) as Promise<ProbeAck>,
    state: () => call({ op: "state" }) as Promise<ProbeState>,
    fire: () => call({ op: "fire" }) as Promise<null>,
    put: (keys: string[], value?: unknown) => call({ op: "put", keys, value }) as Promise<null>,
    get: (keys: string[]) => call({ op: "get", keys }) as Promise<Array<{ key: string; value: unknown } | null>>,
    list: (prefix: string, limit: number, after?: string) =>
      call({ op: "list", prefix, limit, after }) as Promise<string[]>,
    transactions: (transactions: Array<{ keys: string[]; value: unknown; throws?: boolean }>) =>
      call({ op: "transactions", transactions }) as Promise<TransactionsAnswer>,
  };
}

export function payment(host: TestHost, key: string) {
  return {
    accept: (event: PaymentEvent) => host.call("payment", key, { op: "accept", event }) as Promise<AcceptOutcome>,
    inspect: () => host.call("payment", key, { op: "inspect" }) as Promise<PaymentView | null>,
  };
}

/** Reads until `done` holds, letting host time pass in between; fails with the last value. */
export async function eventually<T>(
  host: TestHost,
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  deadline_ms = DEADLINE_MS,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > deadline_ms) {
      throw new Error(`${what}: not reached within ${deadline_ms} ms; last: ${JSON.stringify(value)}`);
    }
    await host.elapse(10);
  }
}

/** Waits until the probe has processed `count` messages and its inbox is empty. */
export function drained(host: TestHost, key: string, count: number): Promise<ProbeState> {
  return eventually(
    host,
    `probe ${key} processes ${count} messages`,
    () => probe(host, key).state(),
    (state) => state.processed.length >= count && state.inbox.length === 0,
  );
}

/**
 * The ids in the order their acknowledgements numbered them. Concurrent sends reach an actor
 * through separate requests, which no host orders (Durable Objects do not): acceptance order,
 * not send order, is what processing must keep.
 */
export function inAcceptanceOrder(ids: string[], acks: ProbeAck[]): string[] {
  return ids
    .map((id, i) => ({ id, number: acks[i]!.number }))
    .sort((a, b) => a.number - b.number)
    .map((entry) => entry.id);
}

/** Expects every id processed exactly once and nothing else. */
export function processedIds(state: ProbeState): string[] {
  return state.processed.map((entry) => entry.id);
}
