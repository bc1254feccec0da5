/**
 * The VelocityStore of the Cloudflare host without Redis: VELOCITY_SHARD_COUNT
 * VelocityCounterObject shards, a counter in the shard its name hashes to. Observations of
 * one call are grouped by shard (one call per shard, in order); a shard that cannot be
 * reached is a TransientError, so the payment actor retries the fraud check with backoff.
 */
import { shardOf } from "../../../actors/cloudflare/shard.ts";
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import { errorMessage, TransientError } from "../../core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../../core/fraud/velocity.ts";
import { checkObservations } from "../../velocity/retention.ts";
import type { CloudflareEnv } from "./env.ts";

export class DurableObjectVelocityStore implements VelocityStore {
  constructor(
    private readonly env: CloudflareEnv,
    private readonly shard_count: number,
  ) {}

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    checkObservations(observations, now_ms);
    const by_shard = new Map<number, number[]>();
    observations.forEach((observation, index) => {
      const shard = shardOf(observation.counter, this.shard_count);
      by_shard.set(shard, [...(by_shard.get(shard) ?? []), index]);
    });
    const totals = new Array<number>(observations.length);
    const namespace = this.env.VELOCITY_COUNTERS;
    await Promise.all(
      [...by_shard].map(async ([shard, indexes]) => {
        let answer: number[];
        try {
          answer = await callWithRetry(
            () => namespace.get(namespace.idFromName(`velocity-${shard}`)),
            (stub) => stub.observe(indexes.map((index) => observations[index]!), now_ms),
          );
        } catch (error) {
          throw new TransientError(`velocity shard ${shard}: ${errorMessage(error)}`, { cause: error });
        }
        indexes.forEach((index, position) => (totals[index] = answer[position]!));
      }),
    );
    return totals;
  }
}
