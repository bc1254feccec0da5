/**
 * A webhook provider for crash tests: sends signed deliveries with bounded concurrency and
 * keeps a ledger of which event ids were acknowledged (HTTP 202, accepted or duplicate).
 * Unacknowledged deliveries are sent again later, the same request (same webhook-id), as a
 * provider retries. An id acknowledged once and later answered `accepted` again means the
 * host forgot an acknowledged event: that is recorded as a violation.
 */
import type { PaymentEvent } from "../../src/core/event.ts";
import type { SignedRequest } from "../../scripts/lib/sender.ts";

export interface Delivery {
  event: PaymentEvent;
  request: SignedRequest;
}

export interface Reacceptance {
  event_id: string;
  first_acked_in: string;
  reaccepted_in: string;
}

export class AckLedger {
  /** Event id -> the phase label in which it was first acknowledged. */
  readonly acked = new Map<string, string>();
  readonly reaccepted: Reacceptance[] = [];
  /** Status code (or transport error class) -> count, over the whole run. */
  readonly statuses = new Map<string, number>();
  sent = 0;

  count(key: string): void {
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }
}

export interface RoundOptions {
  concurrency: number;
  /** Phase label recorded with acknowledgements. */
  phase: string;
  /** Absolute time (Date.now()) after which no new request starts. */
  deadline_at: number;
  /** Send only deliveries whose event id is not acknowledged yet. */
  only_unacked: boolean;
  /** Keep making passes over the unacknowledged until none is left (or stopped / deadline). */
  repeat: boolean;
  stop?: { stopped: boolean };
  /** Called with every answer (for the final round's strict checks). */
  observe?: (delivery: Delivery, status: number | string, outcome: string | null) => void;
}

export async function sendRound(url: string, deliveries: Delivery[], ledger: AckLedger, options: RoundOptions): Promise<void> {
  const endpoint = `${url}/webhooks/dev`;
  const running = () => !(options.stop?.stopped ?? false) && Date.now() < options.deadline_at;
  do {
    const pass = options.only_unacked ? deliveries.filter((delivery) => !ledger.acked.has(delivery.event.id)) : deliveries;
    if (pass.length === 0) return;
    let next = 0;
    const worker = async () => {
      while (next < pass.length && running()) {
        const delivery = pass[next++]!;
        if (options.only_unacked && ledger.acked.has(delivery.event.id)) continue;
        ledger.sent += 1;
        let status: number | string;
        let outcome: string | null = null;
        try {
          const response = await fetch(endpoint, {
            method: "POST",
            body: delivery.request.body,
            headers: delivery.request.headers,
            signal: AbortSignal.timeout(5_000),
          });
          const text = await response.text();
          status = response.status;
          if (status === 202) outcome = (JSON.parse(text) as { status: string }).status;
        } catch (error) {
          status = `error:${(error as Error).name}`;
        }
        ledger.count(outcome === null ? String(status) : `202 ${outcome}`);
        if (outcome !== null) {
          const id = delivery.event.id;
          const first = ledger.acked.get(id);
          if (first === undefined) ledger.acked.set(id, options.phase);
          else if (outcome === "accepted") ledger.reaccepted.push({ event_id: id, first_acked_in: first, reaccepted_in: options.phase });
        }
        options.observe?.(delivery, status, outcome);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    if (!options.repeat) return;
    // A pass that ended with refusals (the host is gone or overloaded) pauses before the next.
    if (deliveries.some((delivery) => !ledger.acked.has(delivery.event.id))) await Bun.sleep(50);
  } while (running() && deliveries.some((delivery) => !ledger.acked.has(delivery.event.id)));
}
