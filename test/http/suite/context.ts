/**
 * What every case of the HTTP suite gets: the running target, ids unique to this run (a
 * deployed host keeps its data between runs), and the suite's test function
 * (test/support/case-runner.ts). Cases talk to the host only through `fetch`.
 */
import { expect } from "bun:test";
import { REQUEST_TIMEOUT_MS, sendSigned, type HttpTarget } from "../../support/http-target.ts";

export interface HttpSuiteContext {
  target(): HttpTarget;
  /** A payment id no earlier run used: `pay_<run>_<name>`. */
  paymentId(name: string): string;
  test(name: string, run: () => Promise<void>, timeout_ms?: number): void;
}

export interface HttpSuiteOptions {
  /** Case name to the reason it cannot apply to this host (such a case is not defined for it). */
  not_applicable?: Record<string, string>;
}

/** Every wait in the suite is bounded by this. */
export const WAIT_MS_MAX = 10_000;
const POLL_INTERVAL_MS = 50;

export type Json = Record<string, any>;

export async function request(target: HttpTarget, method: string, path: string, init: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? target.admin_token : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return fetch(`${target.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/** An admin GET that must answer 200 with JSON. */
export async function adminJson(target: HttpTarget, path: string): Promise<Json> {
  const response = await request(target, "GET", path);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Json;
}

/** GET /payments/:id, or null on 404. */
export async function inspectPayment(target: HttpTarget, payment_id: string): Promise<Json | null> {
  const response = await request(target, "GET", `/payments/${encodeURIComponent(payment_id)}`);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /payments/${payment_id} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Json;
}

/** Reads until `done` holds or WAIT_MS_MAX passes; the failure shows the last value read. */
export async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, wait_ms = WAIT_MS_MAX): Promise<T> {
  const deadline = Date.now() + wait_ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`waited ${wait_ms} ms for ${what}; last seen: ${JSON.stringify(value)?.slice(0, 2_000)}`);
    }
    await Bun.sleep(POLL_INTERVAL_MS);
  }
}

/** Polls GET /payments/:id until the payment exists and `done` holds. */
export function pollPayment(target: HttpTarget, payment_id: string, what: string, done: (view: Json) => boolean, wait_ms = WAIT_MS_MAX): Promise<Json> {
  return poll(`${payment_id}: ${what}`, () => inspectPayment(target, payment_id), (view) => view !== null && done(view), wait_ms) as Promise<Json>;
}

/** The answer is `status` with a `{"error":{"code","message"}}` body; returns the error. */
export async function expectProblem(response: Response, status: number, code?: string): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect({ status: response.status, body: text.slice(0, 500) }).toMatchObject({ status });
  expect(response.headers.get("content-type") ?? "").toContain("application/json");
  const body = JSON.parse(text) as Json;
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
}

/** After a refused request: no trace of the payment, and the host still answers. */
export async function expectNothingWritten(target: HttpTarget, payment_id: string | null): Promise<void> {
  if (payment_id !== null) expect(await inspectPayment(target, payment_id)).toBeNull();
  const health = await fetch(`${target.url}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  expect(health.status).toBe(200);
  expect(((await health.json()) as Json).status).toBe("ok");
}

/** Sends events one after another, each acknowledged 202 accepted before the next. */
export async function sendEvents(target: HttpTarget, events: readonly object[]): Promise<void> {
  for (const event of events) {
    const response = await sendSigned(target, event);
    const text = await response.text();
    expect({ event, status: response.status, body: text }).toEqual({ event, status: 202, body: '{"status":"accepted"}' });
  }
}
