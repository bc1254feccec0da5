/** Requests from the Bun host's HTTP thread to its actor thread (actor-thread-worker.ts), and their answers. */
import { join } from "node:path";
import type { Durability } from "../../../actors/bun/actor-database.ts";
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import type { DeadLetterFilter } from "../../core/dead-letters.ts";
import type { OperatorOutcome } from "../../core/operator-outcome.ts";
import type { AccountBalance, DeadLetterListing, DeadLetterRow } from "../../core/postgres-rows.ts";
import type { FraudDecision } from "../../core/payment.ts";
import type { SinkMigrationResult } from "../../sink/migrate.ts";
import type { KafkaDeadLetterPublication } from "../../sink/kafka-dead-letter-publications.ts";
import type { BunHostConfig } from "./config.ts";
import type { StoragePause } from "./storage-pause.ts";

export type ActorThreadRequest =
  /**
   * `ingress_through`: the newest entry of the ingress log at start (all durable);
   * `ingress_delivered_through`: the entries before it the actors' database already holds.
   */
  | { method: "open"; config: BunHostConfig; durability: Durability; ingress_through: number; ingress_delivered_through: number; ingress_installation_id: string | null }
  | { method: "inspect"; payment_id: string }
  | { method: "replay"; payment_id: string; event_id: string }
  | { method: "discard"; payment_id: string; event_id: string }
  | { method: "overrideFraud"; payment_id: string; decision: FraudDecision; note: string | null }
  | { method: "listDeadLetters"; filter: DeadLetterFilter }
  /** Dead letters found before any actor (poison Kafka records), straight to Postgres. */
  | { method: "writeDeadLetters"; rows: DeadLetterRow[] }
  | { method: "ledgerAccounts"; currency: string }
  /** The Kafka dead-letter publisher's rows (src/sink/kafka-dead-letter-publications.ts), on the sink thread. */
  | { method: "unpublishedKafkaDeadLetters"; limit: number }
  | { method: "recordKafkaDeadLettersPublished"; publications: KafkaDeadLetterPublication[]; now: number }
  | { method: "pingPostgres" }
  | { method: "actorsHealth" }
  /** Throws while the Redis velocity store's circuit breaker is open. */
  | { method: "redisHealth" }
  | { method: "metrics" }
  | { method: "stop" };

export interface ActorThreadResults {
  open: { migration: SinkMigrationResult; resumed: number; installation_id: string };
  inspect: PaymentView | null;
  replay: OperatorOutcome;
  discard: OperatorOutcome;
  overrideFraud: OperatorOutcome;
  listDeadLetters: DeadLetterListing[];
  writeDeadLetters: null;
  ledgerAccounts: AccountBalance[];
  unpublishedKafkaDeadLetters: DeadLetterListing[];
  recordKafkaDeadLettersPublished: null;
  pingPostgres: null;
  actorsHealth: { pending_alarms: number; processing_backlog: number; ingress_waiting: number; outbox_oldest_age_seconds: number };
  redisHealth: Record<string, unknown> | null;
  /** The actor thread's metrics in Prometheus text. */
  metrics: string;
  stop: null;
}

/** Sent without an answer. */
export type ActorThreadNotice = { notice: "ingress_appended"; through: number };

export type ActorThreadMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error_class: string; error_message: string }
  /** The actor storage failed to fsync: the process must stop (see actor-database.ts). */
  | { fatal: string }
  /** Processing paused after a failed commit (why), or resumed (null): see storage-pause.ts. */
  | { storage_paused: StoragePause | null }
  /** Every ingress log entry up to `through` is durable in its actor's storage. */
  | { ingress_delivered: number };

/** The ingress log's file: written by the HTTP thread, read by the actor thread. */
export function ingressPath(data_dir: string): string {
  return join(data_dir, "ingress.sqlite");
}

/** The actors' file: written by the actor thread, read by the HTTP thread for admission. */
export function actorsPath(data_dir: string): string {
  return join(data_dir, "actors.sqlite");
}
