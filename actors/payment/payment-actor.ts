/**
 * The payment actor: the only writer of one payment's state (DESIGN.md section 3).
 *
 *   accept   append to the durable inbox (dedupe by event id), answer once durable
 *   process  drain the inbox one message at a time, driven by the alarm; the only await
 *            (the fraud velocity fetch) comes before the synchronous commit
 *   flush    send outbox rows to Postgres after they are durable; retried until it succeeds
 *
 * The alarm is re-armed for the earliest due work (next message, retry, hold deadline,
 * flush) after every change, so pending work always has a wake-up.
 */
import type { MessageSource, PaymentEvent } from "../../src/core/event.ts";
import { errorClass, errorMessage, isDependencyUnavailable, isPermanent } from "../../src/core/errors.ts";
import type { FraudRuleSet } from "../../src/core/fraud/rules.ts";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import { withFraudOverride } from "../../src/core/payment-fraud.ts";
import type { FraudDecision, FraudState, PaymentStatus } from "../../src/core/payment.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";
import type { DeadLetterStage } from "../../src/core/dead-letters.ts";
import { countSinkRows, mergeSinkRows } from "../../src/core/merge-sink-rows.ts";
import type { OperatorOutcome } from "../../src/core/operator-outcome.ts";
import { cappedBackoffMs, retryDelayMs } from "../../src/core/retry-policy.ts";
import { iso } from "../../src/core/time.ts";
import { decideRefusedRecord, type RefusedRecord } from "../../src/core/refused-record.ts";
import type { ActorContext } from "../runtime.ts";
import { ActorStore } from "./actor-store.ts";
import { admission, readAdmissionFacts, type AcceptOutcome } from "./admission.ts";
import { checkFraud, checkFraudWithoutVelocity } from "./fraud-check.ts";
import { inspectPayment, type PaymentView, type UndeliveredEvent } from "./inspect.ts";
import type { ActorCounter, ActorMetrics } from "./actor-metrics.ts";
import type { PaymentActorLimits } from "./limits.ts";
import { type ActorMeta, PREFIX_HELD, type HeldMessage, type InboxMessage, type OutboxEntry, type RecordDeadLetter } from "./storage-layout.ts";
import { isRecordDeadLetter } from "./refused-records.ts";
import { SingleLoop } from "./single-loop.ts";
import { SINK_REASON, SINK_STAGE, sinkDeadLetterMessage } from "./sink-dead-letter.ts";
import { UnitOfWork, type Disposition } from "./unit-of-work.ts";

/** Where outbox rows go: the host's sink writer (batched, bounded connections). */
export interface OutboxSink {
  write(rows: SinkRows): Promise<void>;
}

export interface PaymentActorDependencies {
  velocity: VelocityStore;
  sink: OutboxSink;
  fraud_rules: FraudRuleSet;
  limits: PaymentActorLimits;
  metrics: ActorMetrics;
  random(): number;
  /**
   * FRAUD_FAIL_OPEN: while the velocity store cannot answer (an outage, or failures past the
   * attempts), decide without velocity and mark the decision degraded, instead of waiting
   * (an outage) or dead-lettering (failures past the attempts). Default false.
   */
  fraud_fail_open?: boolean;
}

export type { AcceptOutcome } from "./admission.ts";

const ALARM_BACKOFF_MS_MAX = 60_000;
/** Statuses no event moves on from (a refunded payment can still be disputed): a payment in one is finished. */
const FINISHED_STATUSES: ReadonlySet<PaymentStatus> = new Set(["failed", "canceled", "dispute_won", "dispute_lost"]);

export class PaymentActor {
  private readonly store: ActorStore;
  private readonly processing = new SingleLoop();
  private readonly flushing = new SingleLoop();
  private handlers_running = 0;
  private alarm_failures = 0;
  /** After a permanent sink failure of a page: entries go one at a time until one is written. */
  private flush_one_by_one = false;

  constructor(
    private readonly context: ActorContext,
    private readonly dependencies: PaymentActorDependencies,
  ) {
    this.store = new ActorStore(context.storage, context.key);
  }

  /**
   * Admits the message (actors/payment/admission.ts) and, when accepted, appends it to the
   * inbox in one transaction. Resolves once that is durable; a duplicate is answered only once
   * its original is durable too.
   */
  async accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome> {
    const outcome = this.store.transaction((): AcceptOutcome => {
      const outcome = admission(readAdmissionFacts(this.context.storage, event.id), this.dependencies.limits);
      if (outcome === "accepted") this.append(event, source, this.context.now());
      return outcome;
    });
    await this.context.storage.sync();
    return outcome;
  }

  /**
   * Hands over a message that a host admitted and acknowledged in front of the actor (the
   * Bun host's ingress log): appends it to the inbox unless its id was seen. Never refuses:
   * the message was admitted against this actor's facts when it was acknowledged, and an
   * acknowledged message is never dropped. Idempotent, so a host may deliver it again after
   * a crash. Durable once the storage syncs.
   */
  deliver(event: PaymentEvent, source: MessageSource, accepted_at: number): "delivered" | "duplicate" {
    return this.store.transaction(() => {
      if (this.store.hasSeen(event.id)) return "duplicate";
      this.append(event, source, accepted_at);
      return "delivered";
    });
  }

  /**
   * Admits a poison Kafka record of this payment (admission kind `dead_letter`, by its
   * `kafka:...` id) and, when accepted, puts it in the dead letters in one transaction; its
   * Postgres row goes through the outbox. Resolves once durable, like `accept`.
   */
  async acceptDeadLetter(record: RefusedRecord): Promise<AcceptOutcome> {
    const outcome = this.store.transaction((): AcceptOutcome => {
      const outcome = admission(readAdmissionFacts(this.context.storage, record.id), this.dependencies.limits, "dead_letter");
      if (outcome === "accepted") this.deadLetterRefused(record, this.context.now());
      return outcome;
    });
    await this.context.storage.sync();
    return outcome;
  }

  /** `deliver` for a poison record the host admitted in front of the actor: never refuses, idempotent. */
  deliverDeadLetter(record: RefusedRecord, accepted_at: number): "delivered" | "duplicate" {
    return this.store.transaction(() => {
      if (this.store.hasSeen(record.id)) return "duplicate";
      this.deadLetterRefused(record, accepted_at);
      return "delivered";
    });
  }

  private deadLetterRefused(record: RefusedRecord, accepted_at: number): void {
    this.store.markSeen(record.id, accepted_at);
    const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
    unit.deadLetterRecord(record, accepted_at);
    this.report(unit.finish());
    this.wakeAt(unit.now);
  }

  private append(event: PaymentEvent, source: MessageSource, accepted_at: number): void {
    const meta = this.store.meta();
    this.store.markSeen(event.id, accepted_at);
    this.store.appendInbox(meta, {
      event,
      source,
      accepted_at,
      replay: false,
      attempts: 0,
      next_attempt_at: null,
      first_failed_at: null,
      last_failure: null,
    });
    this.store.putMeta(meta);
    this.wakeAt(this.context.now());
  }

  /**
   * The alarm handler. Idempotent: alarms fire late, early or twice. Never throws: a failure
   * the loops could not classify (the storage itself failing) is logged and the alarm backs
   * off, instead of re-arming at once and spinning.
   */
  async alarm(): Promise<void> {
    this.handlers_running += 1;
    let not_before: number | undefined;
    try {
      await this.process();
      await this.flush();
      this.retireIfDue();
      this.alarm_failures = 0;
    } catch (error) {
      this.alarm_failures += 1;
      const delay = cappedBackoffMs(this.alarm_failures, 1_000, ALARM_BACKOFF_MS_MAX);
      not_before = this.context.now() + delay;
      console.error(`payment ${this.context.key}: alarm failed (${errorClass(error)}: ${errorMessage(error)}); again in ${delay} ms`);
    } finally {
      this.handlers_running -= 1;
      this.rearm(not_before);
    }
  }

  /** True when nothing of this instance is running, so a host may drop it from memory. */
  idle(): boolean {
    return this.handlers_running === 0 && !this.processing.running && !this.flushing.running;
  }

  /**
   * The payment's view. `undelivered`: events a host acknowledged in front of the actor and
   * cannot deliver yet (the Bun host while its actor storage is paused on a full disk); those
   * the actor has not seen show in its inbox, where delivery will put them, so an
   * acknowledged event is never missing from the view.
   */
  inspect(undelivered: readonly UndeliveredEvent[] = []): PaymentView | null {
    const waiting = undelivered.filter(({ event }) => !this.store.hasSeen(event.id));
    if (!this.store.exists() && waiting.length === 0) return null;
    return inspectPayment(this.store, this.context.now(), this.dependencies.limits, waiting);
  }

  /** Puts a dead letter back through the same path as a new message. */
  async replay(event_id: string): Promise<OperatorOutcome> {
    const outcome = this.store.transaction((): OperatorOutcome => {
      const letter = this.store.deadLetter(event_id);
      if (!letter) return "not_found";
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      if (isRecordDeadLetter(letter)) {
        this.replayRecord(unit, letter);
        this.report(unit.finish());
        this.wakeAt(unit.now);
        return "done";
      }
      unit.closeDeadLetter(letter, "replayed");
      if (letter.outbox_entry !== undefined) {
        // Stage sink: the event was applied; only its rows go to Postgres again.
        this.store.appendOutbox(unit.meta, letter.outbox_entry.rows, unit.now, letter.outbox_entry.accepted_at ?? null);
        this.dependencies.metrics.increment("outbox_entries_added");
        this.report(unit.finish());
        this.wakeAt(unit.now);
        return "done";
      }
      const { source, event } = letter.inbox_message;
      this.appendReplay(unit, event, source.kind === "replay" ? source.original : source);
      this.report(unit.finish());
      this.wakeAt(unit.now);
      return "done";
    });
    await this.context.storage.sync();
    return outcome;
  }

  /**
   * A poison record is decided again with this release's rules: an event now goes to the inbox
   * (unless its id was accepted since: then it is a duplicate), else it stays a dead letter
   * with one attempt more and the reason of today.
   */
  private replayRecord(unit: UnitOfWork, letter: RecordDeadLetter): void {
    const decided = decideRefusedRecord(letter.record);
    if (!decided.ok) {
      const { reason, error_class, error_message } = decided;
      unit.deadLetterRecord({ ...letter.record, reason, error_class, error_message }, letter.accepted_at, letter.attempts + 1);
      return;
    }
    unit.closeDeadLetter(letter, "replayed");
    if (this.store.hasSeen(decided.event.id)) return;
    this.store.markSeen(decided.event.id, unit.now);
    this.appendReplay(unit, decided.event, letter.record.source);
  }

  /** Puts an event an operator replays in the inbox, as a new message marked replayed. */
  private appendReplay(unit: UnitOfWork, event: PaymentEvent, original: MessageSource): void {
    this.store.appendInbox(unit.meta, {
      event,
      source: { kind: "replay", original },
      accepted_at: unit.now,
      replay: true,
      attempts: 0,
      next_attempt_at: null,
      first_failed_at: null,
      last_failure: null,
    });
  }

  async discard(event_id: string): Promise<OperatorOutcome> {
    const outcome = this.store.transaction((): OperatorOutcome => {
      const letter = this.store.deadLetter(event_id);
      if (!letter) return "not_found";
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      unit.closeDeadLetter(letter, "discarded");
      this.report(unit.finish());
      this.rearm();
      return "done";
    });
    await this.context.storage.sync();
    return outcome;
  }

  async overrideFraud(decision: FraudDecision, note: string | null): Promise<OperatorOutcome> {
    const outcome = this.store.transaction((): OperatorOutcome => {
      if (!this.store.exists()) return "not_found";
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      unit.replaceState(withFraudOverride(unit.state, decision, note, iso(unit.now)), null);
      this.report(unit.finish());
      this.rearm();
      return "done";
    });
    await this.context.storage.sync();
    return outcome;
  }

  private process(): Promise<void> {
    return this.processing.run(async () => {
      this.expireHeld();
      while (await this.processNext()) {}
    });
  }

  /** Processes the inbox head; false when there is nothing to do now. */
  private async processNext(): Promise<boolean> {
    if (this.store.meta().inbox_count === 0) return false;
    const head = this.store.firstInbox();
    const now = this.context.now();
    if (!head || (head.next_attempt_at !== null && head.next_attempt_at > now)) return false;

    // A commit that throws (a row over the storage's limit, a storage error) is a failure of
    // this message: retried with backoff, dead-lettered when permanent, never a stalled inbox.
    let disposition: Disposition | "stale";
    try {
      disposition = this.commit(head, null, false);
    } catch (error) {
      this.recordFailure(head, error, "apply");
      return true;
    }
    if (disposition !== "needs_fraud") return true;
    let fraud: FraudState;
    try {
      fraud = await checkFraud(head.event, this.dependencies.fraud_rules, this.dependencies.velocity, now);
    } catch (error) {
      if (!this.failsOpen(head, error)) {
        this.recordFailure(head, error, "fraud");
        return true;
      }
      fraud = checkFraudWithoutVelocity(head.event, this.dependencies.fraud_rules, now, `${errorClass(error)}: ${errorMessage(error)}`);
      this.dependencies.metrics.increment("fraud_decisions_degraded");
    }
    try {
      this.commit(head, fraud, true);
    } catch (error) {
      this.recordFailure(head, error, "apply");
    }
    return true;
  }

  /**
   * The synchronous commit. After an await (`after_await`), the head is re-read: the state
   * it was planned against may have changed, and it is re-decided here, never before.
   */
  private commit(head: InboxMessage, fraud: FraudState | null, after_await: boolean): Disposition | "stale" {
    return this.store.transaction(() => {
      const current = after_await ? this.store.firstInbox() : head;
      if (!current || current.number !== head.number) return "stale";
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      const disposition = unit.handle(current, fraud);
      if (disposition === "needs_fraud") return disposition;
      unit.takeFromInbox(current);
      this.dependencies.metrics.observe("processing_latency_ms", unit.now - current.accepted_at);
      this.report(unit.finish());
      return disposition;
    });
  }

  private failsOpen(head: InboxMessage, error: unknown): boolean {
    if (!this.dependencies.fraud_fail_open || isPermanent(error)) return false;
    return isDependencyUnavailable(error) || head.attempts + 1 >= this.dependencies.limits.retry.attempts_max;
  }

  private recordFailure(head: InboxMessage, error: unknown, stage: DeadLetterStage): void {
    this.store.transaction(() => {
      const current = this.store.firstInbox();
      if (!current || current.number !== head.number) return;
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      // An outage of a shared dependency is not the message's fault: it waits, attempts unspent.
      const outage = isDependencyUnavailable(error);
      const attempts = outage ? current.attempts : current.attempts + 1;
      const failed: InboxMessage = {
        ...current,
        attempts,
        first_failed_at: current.first_failed_at ?? unit.now,
        last_failure: { stage, error_class: errorClass(error), error_message: errorMessage(error), at: unit.now },
      };
      const policy = this.dependencies.limits.retry;
      if (isPermanent(error) || (!outage && attempts >= policy.attempts_max)) {
        unit.takeFromInbox(current);
        const reason = isPermanent(error) ? "permanent_failure" : "retries_exhausted";
        unit.deadLetter(failed, reason, stage, errorClass(error), errorMessage(error), attempts);
      } else {
        failed.next_attempt_at = unit.now + retryDelayMs(Math.max(attempts, 1), policy, this.dependencies.random);
        // A breaker that knows when it probes again: wake then, spread over a second so
        // the actors waiting on it do not return as one wave.
        if (outage && error.retry_at_ms !== null) {
          failed.next_attempt_at = Math.max(failed.next_attempt_at, error.retry_at_ms + Math.round(this.dependencies.random() * 1_000));
        }
        this.store.putInbox(failed);
        this.dependencies.metrics.increment(outage ? "outage_waits" : "retries_scheduled");
      }
      this.report(unit.finish());
    });
  }

  private expireHeld(): void {
    const meta = this.store.meta();
    if (meta.held_count === 0) return;
    this.store.transaction(() => {
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      unit.expireHeld();
      this.report(unit.finish());
    });
  }

  private flush(): Promise<void> {
    return this.flushing.run(async () => {
      while (await this.flushPage()) {}
    });
  }

  /** Sends one page of the outbox; false when it is empty or backing off. */
  private async flushPage(): Promise<boolean> {
    const meta = this.store.meta();
    if (meta.outbox_count === 0) return false;
    if (meta.flush_retry_at !== null && meta.flush_retry_at > this.context.now()) return false;
    const page = this.store.outboxHead(this.flush_one_by_one ? 1 : this.dependencies.limits.outbox_page_entries_max);
    if (page.length === 0) return false;
    const rows = mergeSinkRows(page.map(([, entry]) => entry.rows));
    // Rows leave only once durable here: a crash must never leave Postgres ahead of the actor.
    await this.context.storage.sync();
    const started = this.context.now();
    try {
      await this.dependencies.sink.write(rows);
    } catch (error) {
      if (isPermanent(error)) {
        // Find the entry Postgres refuses: one at a time, then dead-letter it.
        if (page.length > 1) {
          this.flush_one_by_one = true;
          return true;
        }
        if (this.deadLetterOutboxEntry(page[0]!, error)) return true;
      }
      this.store.transaction(() => {
        const current = this.store.meta();
        current.flush_attempts += 1;
        const limits = this.dependencies.limits;
        const delay = cappedBackoffMs(current.flush_attempts, limits.flush_backoff_ms_initial, limits.flush_backoff_ms_max);
        current.flush_retry_at = this.context.now() + delay;
        current.flush_error = `${errorClass(error)}: ${errorMessage(error)}`;
        this.store.putMeta(current);
      });
      this.dependencies.metrics.increment("sink_flush_failures");
      return false;
    }
    this.store.transaction(() => {
      const current = this.store.meta();
      for (const [key] of page) this.store.removeOutbox(key);
      current.outbox_count -= page.length;
      current.flush_attempts = 0;
      current.flush_retry_at = null;
      current.flush_error = null;
      this.store.putMeta(current);
    });
    this.flush_one_by_one = false;
    const metrics = this.dependencies.metrics;
    metrics.increment("outbox_entries_flushed", page.length);
    metrics.increment("sink_flushes");
    metrics.increment("sink_rows_flushed", countSinkRows(rows));
    const written_at = this.context.now();
    metrics.observe("flush_latency_ms", written_at - started);
    for (const [, entry] of page) {
      if (entry.accepted_at !== undefined) metrics.observe("accepted_to_postgres_ms", written_at - entry.accepted_at);
    }
    return true;
  }

  /** Moves an outbox entry Postgres refuses for good to the dead letters (stage sink); false if it carries no event. */
  private deadLetterOutboxEntry([key, entry]: [string, OutboxEntry], error: unknown): boolean {
    const message = sinkDeadLetterMessage(entry);
    if (message === null) return false;
    this.store.transaction(() => {
      const unit = new UnitOfWork(this.store, this.context.now(), this.dependencies.limits);
      const attempts = unit.meta.flush_attempts + 1;
      this.store.removeOutbox(key);
      unit.meta.outbox_count -= 1;
      unit.meta.flush_attempts = 0;
      unit.meta.flush_retry_at = null;
      unit.meta.flush_error = null;
      unit.deadLetter(message, SINK_REASON, SINK_STAGE, errorClass(error), errorMessage(error), attempts, entry);
      this.dependencies.metrics.increment("outbox_entries_dead_lettered");
      this.report(unit.finish());
    });
    this.flush_one_by_one = false;
    return true;
  }

  /** Sets the alarm to the earliest due work (not before `not_before`), or clears it when nothing is pending. */
  private rearm(not_before?: number): void {
    const now = this.context.now();
    const meta = this.store.meta();
    let due: number | null = null;
    const consider = (at: number) => {
      due = due === null ? at : Math.min(due, at);
    };
    // A loop that is running re-arms when it ends; waking it now would only spin.
    if (meta.inbox_count > 0 && !this.processing.running) {
      const head = this.store.firstInbox();
      if (head) consider(head.next_attempt_at ?? now);
    }
    if (meta.held_count > 0) {
      for (const [, held] of this.store.all<HeldMessage>(PREFIX_HELD)) consider(held.deadline_at);
    }
    if (meta.outbox_count > 0 && !this.flushing.running) consider(meta.flush_retry_at ?? now);
    const retire_at = this.retirementAt(meta);
    if (retire_at !== null) consider(retire_at);
    const alarm = this.context.alarm;
    if (due !== null && not_before !== undefined) due = Math.max(due, not_before);
    if (due === null) {
      // A running loop re-arms when it ends; until then its stored alarm must survive, or a
      // crash mid-loop would strand acknowledged messages. Otherwise always delete: a host
      // may keep a stored alarm after it fired (actors/bun does) until told.
      if (!this.processing.running && !this.flushing.running) alarm.delete();
    } else if (alarm.get() !== due) {
      alarm.set(due);
    }
  }

  /** When this finished payment's rows may leave storage (limits.finished_retention_ms), or null. */
  private retirementAt(meta: ActorMeta): number | null {
    if (meta.inbox_count > 0 || meta.held_count > 0 || meta.outbox_count > 0 || meta.dead_letter_count > 0) return null;
    if (meta.changed_at === undefined || meta.changed_at === null || !this.store.exists()) return null;
    const status = this.store.state().status;
    if (status === null || !FINISHED_STATUSES.has(status)) return null;
    return meta.changed_at + this.dependencies.limits.finished_retention_ms;
  }

  /** Deletes every row of a payment finished longer ago than the retention time. */
  private retireIfDue(): void {
    if (this.processing.running || this.flushing.running) return;
    // Decided outside the transaction (nothing awaits before it): most alarms retire nothing,
    // and a transaction that writes nothing still costs a savepoint's two statements on Bun.
    const at = this.retirementAt(this.store.meta());
    if (at === null || at > this.context.now()) return;
    this.store.transaction(() => this.store.deleteAll());
    this.dependencies.metrics.increment("payments_retired");
  }

  private wakeAt(at: number): void {
    const current = this.context.alarm.get();
    if (current === null || current > at) this.context.alarm.set(at);
  }

  private report(counters: Map<ActorCounter, number>): void {
    for (const [counter, by] of counters) this.dependencies.metrics.increment(counter, by);
  }
}
