/** Sends signed webhooks with bounded concurrency and records acknowledgement latency. */
import type { PaymentEvent } from "../../src/core/event.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";

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
  latencies_ms: number[];
  elapsed_ms: number;
  sent: number;
}

function emptyResult(): SendResult {
  return { statuses: new Map(), outcomes: new Map(), latencies_ms: [], elapsed_ms: 0, sent: 0 };
}

/** Sends one request and records its status, outcome and latency; never rejects. */
async function sendOne(url: string, request: SignedRequest, result: SendResult): Promise<void> {
  const sent_at = performance.now();
  try {
    const response = await fetch(url, { method: "POST", body: request.body, headers: request.headers });
    const text = await response.text();
    result.latencies_ms.push(performance.now() - sent_at);
    result.statuses.set(response.status, (result.statuses.get(response.status) ?? 0) + 1);
    if (response.status === 202) {
      const outcome = (JSON.parse(text) as { status: string }).status;
      result.outcomes.set(outcome, (result.outcomes.get(outcome) ?? 0) + 1);
    } else if (response.status === 200 && text === "[accepted]") {
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
  let next = 0;
  const started = performance.now();
  const deadline = started + options.deadline_ms;
  const worker = async () => {
    while (next < requests.length && performance.now() < deadline) {
      await sendOne(url, requests[next++]!, result);
      result.sent += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsed_ms = performance.now() - started;
  return result;
}

/**
 * Sends at a fixed rate whatever the answers (an open loop, as providers' webhooks arrive):
 * request i leaves at i / rate seconds. Resolves once every request was answered.
 */
export async function sendAtRate(url: string, requests: SignedRequest[], rate_per_s: number): Promise<SendResult> {
  const result = emptyResult();
  const started = performance.now();
  const answers: Array<Promise<void>> = [];
  while (result.sent < requests.length) {
    const due = Math.min(requests.length, Math.floor(((performance.now() - started) / 1000) * rate_per_s) + 1);
    while (result.sent < due) answers.push(sendOne(url, requests[result.sent++]!, result));
    await Bun.sleep(2);
  }
  await Promise.all(answers);
  result.elapsed_ms = performance.now() - started;
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
