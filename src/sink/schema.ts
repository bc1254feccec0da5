/**
 * The Postgres sink (DESIGN.md section 8). Rows arrive from the actors' outboxes
 * (src/core/postgres-rows.ts); every key is derived from an event, so writes are idempotent.
 *
 * Money is integer minor units in `bigint` columns. Row-shaped money reads back as a JS
 * `number` (the records carry safe integers); ledger account totals read back as `bigint`.
 * Timestamps are `timestamptz`, read back as `Date`.
 */
import type { DeadLetterErrorClass, DeadLetterReason, DeadLetterStage, DeadLetterStatus } from "../core/dead-letters.ts";
import type { MessageSource, PaymentEvent } from "../core/event.ts";
import type { TransferKind } from "../core/ledger.ts";
import type { FraudDecision, PaymentStatus } from "../core/payment.ts";
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

const money = () => bigint({ mode: "number" }).notNull();
// drizzle-kit cannot serialise a `0n` default, hence the SQL literal.
const total = () => bigint({ mode: "bigint" }).notNull().default(sql`0`);
const moment = () => timestamp({ withTimezone: true, mode: "date" }).notNull();

/** The current state of each payment; only ever moves to a higher `revision`. */
export const payments = pgTable("payments", {
  payment_id: text().primaryKey(),
  status: text().$type<PaymentStatus>().notNull(),
  currency: text(),
  merchant_id: text(),
  customer_id: text(),
  amount_authorized: money(),
  amount_captured: money(),
  amount_refunded: money(),
  amount_disputed: money(),
  amount_fees: money(),
  fraud_decision: text().$type<FraudDecision>(),
  version: integer().notNull(),
  revision: integer().notNull(),
  updated_at: moment(),
});

/**
 * Every applied event, once per payment. Keyed by (payment_id, event_id), not the event id
 * alone: actors recognise duplicates per payment, so an id a provider reuses on another
 * payment must not make this payment's row vanish as a "conflict".
 */
export const payment_events = pgTable(
  "payment_events",
  {
    event_id: text().notNull(),
    payment_id: text().notNull(),
    type: text().notNull(),
    sequence: integer(),
    occurred_at: moment(),
    applied_at: moment(),
    version: integer().notNull(),
    source: jsonb().$type<MessageSource>().notNull(),
    event: jsonb().$type<PaymentEvent>().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.payment_id, table.event_id] }),
    index("payment_events_payment_version").on(table.payment_id, table.version),
  ],
);

/** The transfers of one event, applied atomically. */
export const ledger_journals = pgTable(
  "ledger_journals",
  {
    journal_id: text().primaryKey(),
    payment_id: text().notNull(),
    event_id: text().notNull(),
    currency: text().notNull(),
    created_at: moment(),
  },
  (table) => [index("ledger_journals_payment").on(table.payment_id)],
);

/** Immutable ledger legs in TigerBeetle's terms (see TransferKind). */
export const ledger_transfers = pgTable(
  "ledger_transfers",
  {
    transfer_id: text().primaryKey(),
    journal_id: text().notNull(),
    payment_id: text().notNull(),
    debit_account: text().notNull(),
    credit_account: text().notNull(),
    currency: text().notNull(),
    amount: money(),
    kind: text().$type<TransferKind>().notNull(),
    pending_id: text(),
    pending_amount: money(),
    created_at: moment(),
  },
  (table) => [
    index("ledger_transfers_journal").on(table.journal_id),
    index("ledger_transfers_payment").on(table.payment_id),
  ],
);

/**
 * Running totals per account and currency, maintained by the writer from the transfers it
 * actually inserted. Per currency, debits equal credits, pending and posted.
 */
export const ledger_accounts = pgTable(
  "ledger_accounts",
  {
    account: text().notNull(),
    currency: text().notNull(),
    debits_pending: total(),
    debits_posted: total(),
    credits_pending: total(),
    credits_posted: total(),
  },
  (table) => [primaryKey({ columns: [table.account, table.currency] })],
);

export const fraud_decisions = pgTable(
  "fraud_decisions",
  {
    decision_id: text().primaryKey(),
    payment_id: text().notNull(),
    event_id: text(),
    decision: text().$type<FraudDecision>().notNull(),
    score: integer().notNull(),
    rules_fired: jsonb().$type<string[]>().notNull(),
    shadow_rules_fired: jsonb().$type<string[]>().notNull(),
    attributes: jsonb().$type<Record<string, string | number | boolean | null>>().notNull(),
    origin: text().$type<"rules" | "override">().notNull(),
    note: text(),
    decided_at: moment(),
    /** Decided without velocity while the velocity store could not answer (FRAUD_FAIL_OPEN). */
    degraded: boolean().notNull().default(false),
    degraded_reason: text(),
  },
  (table) => [index("fraud_decisions_payment").on(table.payment_id)],
);

/** The actors' dead letters, for operators working across payments; only moves to a higher `version`. */
export const dead_letters = pgTable(
  "dead_letters",
  {
    payment_id: text().notNull(),
    event_id: text().notNull(),
    version: integer().notNull(),
    status: text().$type<DeadLetterStatus>().notNull(),
    reason: text().$type<DeadLetterReason>().notNull(),
    stage: text().$type<DeadLetterStage>().notNull(),
    error_class: text().$type<DeadLetterErrorClass>().notNull(),
    error_message: text().notNull(),
    attempts: integer().notNull(),
    source: jsonb().$type<MessageSource>().notNull(),
    /** Null when the message itself was JSON `null`. */
    message: jsonb().$type<unknown>(),
    first_failed_at: moment(),
    last_failed_at: moment(),
    updated_at: moment(),
  },
  (table) => [
    primaryKey({ columns: [table.payment_id, table.event_id] }),
    index("dead_letters_reason_last_failed").on(table.reason, table.last_failed_at),
    index("dead_letters_status_last_failed").on(table.status, table.last_failed_at),
    index("dead_letters_last_failed").on(table.last_failed_at),
  ],
);

/**
 * Which installation this Postgres belongs to: one row, the id the Bun host's actor database
 * also carries, so that an actor database that is not this Postgres's partner (missing, empty,
 * another's) is refused at start instead of silently forgetting state (issue 12).
 */
export const installation = pgTable("installation", {
  installation_id: text().primaryKey(),
  created_at: moment(),
});

/**
 * Actor dead letters of Kafka-sourced events produced to `<topic>.dlq` (src/ingest/kafka/
 * dead-letter-publisher.ts), one row per dead-letter version: a later failure of the same
 * event is produced again. Poison records (stage kafka_ingest) are produced by the consumer
 * itself and never appear here.
 */
export const kafka_dead_letter_publications = pgTable(
  "kafka_dead_letter_publications",
  {
    payment_id: text().notNull(),
    event_id: text().notNull(),
    version: integer().notNull(),
    /** The dead-letter topic it went to. */
    topic: text().notNull(),
    published_at: moment(),
  },
  (table) => [primaryKey({ columns: [table.payment_id, table.event_id, table.version] })],
);
