/**
 * The VelocityStore of the Cloudflare host without Redis: one VelocityCounterObject per
 * counter. Observations of one call are grouped by counter (one call per counter object,
 * in order); a counter object that cannot be reached is a TransientError, so the payment
 * actor retries the fraud check with backoff.
 */
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import { errorMessage, TransientError } from "../../core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../../core/fraud/velocity.ts";
import { checkObservations } from "../../velocity/retention.ts";
import type { CloudflareEnv } from "./env.ts";
import type { CounterObservation } from "./velocity-counter-object.ts";

export class DurableObjectVelocityStore implements VelocityStore {
  constructor(private readonly env: CloudflareEnv) {}

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    checkObservations(observations, now_ms);
    const by_counter = new Map<string, Array<{ index: number; observation: CounterObservation }>>();
    observations.forEach(({ counter, ...observation }, index) => {
      const list = by_counter.get(counter) ?? [];
      list.push({ index, observation });
      by_counter.set(counter, list);
    });
    const totals = new Array<number>(observations.length);
    const namespace = this.env.VELOCITY_COUNTERS;
    await Promise.all(
      [...by_counter].map(async ([counter, list]) => {
        let answer: number[];
        try {
          answer = await callWithRetry(
            () => namespace.get(namespace.idFromName(counter)),
            (stub) => stub.observe(list.map((entry) => entry.observation), now_ms),
          );
        } catch (error) {
          throw new TransientError(`velocity counter ${counter}: ${errorMessage(error)}`, { cause: error });
        }
        list.forEach((entry, position) => (totals[entry.index] = answer[position]!));
      }),
    );
    return totals;
  }
}
