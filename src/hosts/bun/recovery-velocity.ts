/**
 * The embedded velocity store lives in actors.sqlite (src/velocity/embedded-sqlite.ts), so a
 * lost actor database loses the fraud counters too. They come back from Postgres: every
 * payment the rules evaluated has its decision (`fraud_decisions`, with its time) and its
 * event (`payment_events`), and observing that event again at that time adds the same
 * members the evaluation added. Decisions made without velocity (degraded) observed nothing.
 *
 * The observations are replayed in time order with the store's rules (a member already
 * present within the window keeps its first time and weight; members past the window leave
 * before the next one comes), in memory, and only the members still inside their window
 * now are written: observing them one by one through the store costs a scan of the counter
 * each, which a hot counter (one IP, thousands of payments) turns quadratic.
 */
import type { Database } from "bun:sqlite";
import type { PaymentEvent } from "../../core/event.ts";
import { velocityObservations } from "../../core/fraud/attributes.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import type { VelocityObservation } from "../../core/fraud/velocity.ts";
import { ruleWindows } from "../../core/fraud/velocity-windows.ts";
import type { RecordedPayment } from "../../core/replay-payment.ts";
import { EmbeddedVelocityStore } from "../../velocity/embedded-sqlite.ts";

interface Evaluation {
  decided_at: number;
  decision_id: string;
  observations: VelocityObservation[];
}

interface Member {
  member: string;
  weight: number;
  observed_at_ms: number;
}

export class VelocityRestorer {
  /** Only evaluations still inside a window now are kept: at most a window's worth of payments. */
  private readonly evaluations: Evaluation[] = [];

  constructor(
    private readonly rules: FraudRuleSet,
    private readonly now_ms: number,
  ) {}

  /** Collects what evaluating this payment's rules observed, within each counter's window. */
  collect(record: RecordedPayment): void {
    for (const decision of record.fraud_decisions) {
      if (decision.origin !== "rules" || decision.event_id === null || decision.degraded) continue;
      const event = eventOf(record, decision.event_id);
      if (event === null) continue;
      const observations = velocityObservations(event, ruleWindows(this.rules))
        .map(({ observation }) => observation)
        .filter((observation) => decision.decided_at > this.now_ms - observation.window_ms);
      if (observations.length > 0) this.evaluations.push({ decided_at: decision.decided_at, decision_id: decision.decision_id, observations });
    }
  }

  /** Writes the members the observations leave into the store in `database`; returns the observations replayed. */
  restore(database: Database): number {
    this.evaluations.sort((a, b) => a.decided_at - b.decided_at || (a.decision_id < b.decision_id ? -1 : 1));
    const store = new EmbeddedVelocityStore(database);
    store.restoreMembers(membersAfter(this.evaluations, this.now_ms));
    return this.evaluations.reduce((count, evaluation) => count + evaluation.observations.length, 0);
  }
}

export interface RestoredMember {
  counter: string;
  member: string;
  weight: number;
  observed_at_ms: number;
}

/**
 * The members inside their window at `now_ms` that observing `evaluations` (oldest first)
 * through the store leaves: a member present within its window keeps its first time and
 * weight; one past its window leaves before the next observation of its counter.
 */
export function membersAfter(evaluations: ReadonlyArray<{ decided_at: number; observations: readonly VelocityObservation[] }>, now_ms: number): RestoredMember[] {
  // Per counter, members in the order they were added, which is time order: expiry leaves from the front.
  const counters = new Map<string, { window_ms: number; members: Member[]; head: number; present: Set<string> }>();
  for (const { decided_at, observations } of evaluations) {
    for (const { counter, member, weight, window_ms } of observations) {
      let state = counters.get(counter);
      if (state === undefined) {
        state = { window_ms, members: [], head: 0, present: new Set() };
        counters.set(counter, state);
      }
      while (state.head < state.members.length && state.members[state.head]!.observed_at_ms <= decided_at - window_ms) {
        state.present.delete(state.members[state.head++]!.member);
      }
      if (state.present.has(member)) continue;
      state.present.add(member);
      state.members.push({ member, weight, observed_at_ms: decided_at });
    }
  }
  const members: RestoredMember[] = [];
  for (const [counter, state] of counters) {
    for (const member of state.members.slice(state.head)) {
      if (member.observed_at_ms > now_ms - state.window_ms) members.push({ counter, ...member });
    }
  }
  return members;
}

function eventOf(record: RecordedPayment, event_id: string): PaymentEvent | null {
  const applied = record.events.find((row) => row.event_id === event_id);
  if (applied !== undefined) return applied.event;
  const letter = record.dead_letters.find((row) => (row.message as Partial<PaymentEvent> | null)?.id === event_id);
  return (letter?.message as PaymentEvent | undefined) ?? null;
}
