/**
 * The embedded velocity store lives in actors.sqlite (src/velocity/embedded-sqlite.ts), so a
 * lost actor database loses the fraud counters too. They come back from Postgres: every
 * payment the rules evaluated has its decision (`fraud_decisions`, with its time) and its
 * event (`payment_events`), and observing that event again at that time adds the same
 * members the evaluation added. Observations are replayed in time order, as they were made:
 * a member shared by payments (a card on `cards_per_ip`) keeps the time of its first one.
 * Decisions made without velocity (degraded) observed nothing.
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

export class VelocityRestorer {
  /** Only evaluations still inside a window are kept: at most a window's worth of payments. */
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
        // Members past their window would only be expired again by the next observation.
        .filter((observation) => decision.decided_at > this.now_ms - observation.window_ms);
      if (observations.length > 0) this.evaluations.push({ decided_at: decision.decided_at, decision_id: decision.decision_id, observations });
    }
  }

  /** Observes everything collected, oldest first, into the store in `database`; returns the observations made. */
  async restore(database: Database): Promise<number> {
    const store = new EmbeddedVelocityStore(database);
    this.evaluations.sort((a, b) => a.decided_at - b.decided_at || (a.decision_id < b.decision_id ? -1 : 1));
    let observations = 0;
    for (const evaluation of this.evaluations) {
      await store.observe(evaluation.observations, evaluation.decided_at);
      observations += evaluation.observations.length;
    }
    return observations;
  }
}

function eventOf(record: RecordedPayment, event_id: string): PaymentEvent | null {
  const applied = record.events.find((row) => row.event_id === event_id);
  if (applied !== undefined) return applied.event;
  const letter = record.dead_letters.find((row) => (row.message as Partial<PaymentEvent> | null)?.id === event_id);
  return (letter?.message as PaymentEvent | undefined) ?? null;
}
