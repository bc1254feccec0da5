/**
 * The embedded velocity store lives in actors.sqlite (src/velocity/embedded-sqlite.ts), so a
 * lost actor database loses the fraud counters too. They come back from Postgres: every
 * payment the rules evaluated has its decision (`fraud_decisions`, with its time) and its
 * event (`payment_events`), and observing that event again at that time adds the same
 * members the evaluation added. Decisions made without velocity (degraded) observed nothing.
 */
import type { Database } from "bun:sqlite";
import type { PaymentEvent } from "../../core/event.ts";
import { velocityObservations } from "../../core/fraud/attributes.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import { ruleWindows } from "../../core/fraud/velocity-windows.ts";
import type { RecordedPayment } from "../../core/replay-payment.ts";
import { EmbeddedVelocityStore } from "../../velocity/embedded-sqlite.ts";

export class VelocityRestorer {
  private readonly store: EmbeddedVelocityStore;
  observations = 0;

  constructor(
    database: Database,
    private readonly rules: FraudRuleSet,
    private readonly now_ms: number,
  ) {
    this.store = new EmbeddedVelocityStore(database);
  }

  /** Observes again what evaluating this payment's rules observed, within each counter's window. */
  async restore(record: RecordedPayment): Promise<void> {
    for (const decision of record.fraud_decisions) {
      if (decision.origin !== "rules" || decision.event_id === null || decision.degraded) continue;
      const event = eventOf(record, decision.event_id);
      if (event === null) continue;
      const observations = velocityObservations(event, ruleWindows(this.rules))
        .map(({ observation }) => observation)
        // Members past their window would only be expired again by the next observation.
        .filter((observation) => decision.decided_at > this.now_ms - observation.window_ms);
      if (observations.length === 0) continue;
      await this.store.observe(observations, decision.decided_at);
      this.observations += observations.length;
    }
  }
}

function eventOf(record: RecordedPayment, event_id: string): PaymentEvent | null {
  const applied = record.events.find((row) => row.event_id === event_id);
  if (applied !== undefined) return applied.event;
  const letter = record.dead_letters.find((row) => (row.message as Partial<PaymentEvent> | null)?.id === event_id);
  return (letter?.message as PaymentEvent | undefined) ?? null;
}
