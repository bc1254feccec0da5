/**
 * An in-memory VelocityStore with the exact semantics of the embedded and Redis stores;
 * a test double, held to the same contract as the real stores (test/fraud/velocity-contract.ts).
 */
import { DependencyUnavailableError, TransientError } from "../../src/core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../../src/core/fraud/velocity.ts";
import { checkObservations, SweepSchedule, type VelocityRetentionOptions } from "../../src/velocity/retention.ts";

interface Member {
  weight: number;
  observed_at_ms: number;
}

export class MemoryVelocityStore implements VelocityStore {
  /** While true, observe() throws a TransientError, as an unreachable Redis would. */
  unavailable = false;
  /** While true, observe() throws a DependencyUnavailableError, as a Redis that does not answer would. */
  outage = false;
  private readonly counters = new Map<string, Map<string, Member>>();
  private readonly sweep: SweepSchedule;

  constructor(options: VelocityRetentionOptions = {}) {
    this.sweep = new SweepSchedule(options);
  }

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    if (this.outage) throw new DependencyUnavailableError("redis", "memory velocity store: outage (test)");
    if (this.unavailable) throw new TransientError("memory velocity store: unavailable");
    checkObservations(observations, now_ms);
    const totals = observations.map((observation) => this.observeOne(observation, now_ms));
    const cutoff_ms = this.sweep.due(observations, now_ms);
    if (cutoff_ms !== null) {
      for (const counter of this.counters.keys()) this.deleteObservedAtOrBefore(counter, cutoff_ms);
    }
    return totals;
  }

  /** Members currently stored, across counters; lets tests see the sweep work. */
  get size(): number {
    let size = 0;
    for (const members of this.counters.values()) size += members.size;
    return size;
  }

  private observeOne({ counter, member, weight, window_ms }: VelocityObservation, now_ms: number): number {
    this.deleteObservedAtOrBefore(counter, now_ms - window_ms);
    let members = this.counters.get(counter);
    if (members === undefined) {
      members = new Map();
      this.counters.set(counter, members);
    }
    if (!members.has(member)) members.set(member, { weight, observed_at_ms: now_ms });
    let total = 0;
    for (const stored of members.values()) total += stored.weight;
    return total;
  }

  private deleteObservedAtOrBefore(counter: string, cutoff_ms: number): void {
    const members = this.counters.get(counter);
    if (members === undefined) return;
    for (const [member, stored] of members) {
      if (stored.observed_at_ms <= cutoff_ms) members.delete(member);
    }
    if (members.size === 0) this.counters.delete(counter);
  }
}
