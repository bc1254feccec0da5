/**
 * Hands the canonical events of one delivery to their actors, through the one admission path
 * (`deps.actors.accept`). Events of one payment are accepted one after another, in mapping
 * order (an implied authorization before its capture); different payments in parallel.
 * Resolves once every event is durable or known as a duplicate; a refusal of any event fails
 * the whole delivery (the provider retries it, and what was already durable is a duplicate then).
 */
import type { ProviderEvent } from "../../ingest/provider.ts";
import type { AcceptOutcome, PaymentActorsPort } from "../ports.ts";
import { HttpProblem } from "../problem.ts";

export type Admitted = "accepted" | "duplicate";

export async function acceptEvents(actors: PaymentActorsPort, events: readonly ProviderEvent[]): Promise<Admitted[]> {
  const by_payment = new Map<string, Array<{ index: number; item: ProviderEvent }>>();
  for (const [index, item] of events.entries()) {
    const list = by_payment.get(item.event.payment_id) ?? [];
    list.push({ index, item });
    by_payment.set(item.event.payment_id, list);
  }
  const outcomes: AcceptOutcome[] = new Array(events.length);
  const settled = await Promise.allSettled(
    [...by_payment.values()].map(async (list) => {
      for (const { index, item } of list) {
        outcomes[index] = await actors.accept(item.event, item.source);
        if (outcomes[index] !== "accepted" && outcomes[index] !== "duplicate") return;
      }
    }),
  );
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) throw (failure as PromiseRejectedResult).reason;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome !== undefined && outcome !== "accepted" && outcome !== "duplicate") throw refusal(outcome, events[index]!.event.payment_id);
  }
  return outcomes as Admitted[];
}

function refusal(outcome: Exclude<AcceptOutcome, Admitted>, payment_id: string): HttpProblem {
  switch (outcome) {
    case "dead_letters_full":
      return new HttpProblem(
        429,
        "dead_letters_full",
        `payment ${payment_id} has too many dead letters waiting for an operator; replay or discard them (GET /payments/${payment_id}), then retry`,
        { "Retry-After": "60" },
      );
    case "inbox_full":
      return new HttpProblem(429, "inbox_full", `payment ${payment_id} has too many events waiting; retry later`, { "Retry-After": "1" });
    case "overloaded":
      return OVERLOADED;
  }
}

/** Built once: an overloaded host answers it thousands of times a second, and its stack says nothing. */
export const OVERLOADED = new HttpProblem(503, "overloaded", "the host has more work waiting than it can take on now (events to process, or requests to answer); retry later", { "Retry-After": "1" });
