/**
 * Sends signed webhooks with bounded concurrency and records acknowledgement latency, over
 * the lean HTTP/1.1 client (http1-pool.ts): the load generator shares the host's cores.
 */
import type { PaymentEvent } from "../../src/core/event.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";
import { Http1Pool } from "./http1-pool.ts";

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export async function signAll(events: PaymentEvent[], secret: string): Promise<SignedRequest[]> {
  const timestamp_s = Math.floor(Date.now() / 1000);
  return Promise.all(
    events.map(async (event, index) => {
      const body = JSON.stringify(event);
      const id = `msg_${index}_${event.id}`;
      const signature = await signWebhook({ id, timestamp_s, body, secret });
      return {
        body,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(timestamp_s),
          "webhook-signature": signature,
        },
      };
    }),
  );
}

export interface SendResult {
  statuses: Map<number | string, number>;
  outcomes: Map<string, number>;
  /** Every answer's latency. */
  latencies_ms: number[];
  /** The latencies of the answers with each status (202: acknowledgements; 503: refusals). */
  latencies_by_status: Map<number, number[]>;
  elapsed_ms: number;
  sent: number;
}

function emptyResult(): SendResult {
  return { statuses: new Map(), outcomes: new Map(), latencies_ms: [], latencies_by_status: new Map(), elapsed_ms: 0, sent: 0 };
}

/** The requests as bytes for one URL, built before any is timed. */
function prepared(url: string, requests: SignedRequest[]): { pool: Http1Pool; bytes: Uint8Array[] } {
  const pool = new Http1Pool(url);
  const { pathname, search } = new URL(url);
  return { pool, bytes: requests.map((request) => pool.prepare(pathname + search, request.headers, request.body)) };
}

/** Sends one request and records its status, outcome and latency; never rejects. */
async function sendOne(pool: Http1Pool, bytes: Uint8Array, result: SendResult): Promise<void> {
  const sent_at = performance.now();
  try {
    const response = await pool.send(bytes);
    const latency_ms = performance.now() - sent_at;
    result.latencies_ms.push(latency_ms);
    const by_status = result.latencies_by_status.get(response.status);
    if (by_status === undefined) result.latencies_by_status.set(response.status, [latency_ms]);
    else by_status.push(latency_ms);
    result.statuses.set(response.status, (result.statuses.get(response.status) ?? 0) + 1);
    if (response.status === 202) {
      const outcome = (JSON.parse(response.text) as { status: string }).status;
      result.outcomes.set(outcome, (result.outcomes.get(outcome) ?? 0) + 1);
    } else if (response.status === 200 && response.text === "[accepted]") {
      // Adyen's acknowledgement: the whole batch is durable (its items new or duplicates).
      result.outcomes.set("[accepted]", (result.outcomes.get("[accepted]") ?? 0) + 1);
    }
  } catch (error) {
    const key = `error: ${(error as Error).message}`.slice(0, 80);
    result.statuses.set(key, (result.statuses.get(key) ?? 0) + 1);
  }
}

/** A closed loop: `concurrency` senders, each sending its next request once answered. */
export async function sendAll(
  url: string,
  requests: SignedRequest[],
  options: { concurrency: number; deadline_ms: number },
): Promise<SendResult> {
  const result = emptyResult();
  const { pool, bytes } = prepared(url, requests);
  let next = 0;
  const started = performance.now();
  const deadline = started + options.deadline_ms;
  const worker = async () => {
    while (next < bytes.length && performance.now() < deadline) {
      await sendOne(pool, bytes[next++]!, result);
      result.sent += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsed_ms = performance.now() - started;
  pool.close();
  return result;
}

/**
 * Sends at a fixed rate whatever the answers (an open loop, as providers' webhooks arrive):
 * request i leaves at i / rate seconds. Resolves once every request was answered.
 */
export async function sendAtRate(url: string, requests: SignedRequest[], rate_per_s: number): Promise<SendResult> {
  const result = emptyResult();
  const { pool, bytes } = prepared(url, requests);
  const started = performance.now();
  const answers: Array<Promise<void>> = [];
  while (result.sent < bytes.length) {
    const due = Math.min(bytes.length, Math.floor(((performance.now() - started) / 1000) * rate_per_s) + 1);
    while (result.sent < due) answers.push(sendOne(pool, bytes[result.sent++]!, result));
    await Bun.sleep(2);
  }
  await Promise.all(answers);
  result.elapsed_ms = performance.now() - started;
  pool.close();
  return result;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export function latencySummary(latencies_ms: number[]) {
  const sorted = [...latencies_ms].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}
