/** Requests from the Bun host's HTTP thread to its actor thread (actor-thread-worker.ts), and their answers. */
import type { Durability } from "../../../actors/bun/actor-database.ts";
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import type { MessageSource, PaymentEvent } from "../../core/event.ts";
import type { DeadLetterFilter } from "../../core/dead-letters.ts";
import type { OperatorOutcome } from "../../core/operator-outcome.ts";
import type { AccountBalance, DeadLetterListing, DeadLetterRow } from "../../core/postgres-rows.ts";
import type { FraudDecision } from "../../core/payment.ts";
import type { AcceptOutcome } from "../../http/ports.ts";
import type { SinkMigrationResult } from "../../sink/migrate.ts";
import type { BunHostConfig } from "./config.ts";

export interface AcceptRequest {
  event: PaymentEvent;
  source: MessageSource;
}

export type ActorThreadRequest =
  | { method: "open"; config: BunHostConfig; durability: Durability }
  /** Many webhooks at once: one message each way, one group commit. */
  | { method: "accept"; batch: AcceptRequest[] }
  | { method: "inspect"; payment_id: string }
  | { method: "replay"; payment_id: string; event_id: string }
  | { method: "discard"; payment_id: string; event_id: string }
  | { method: "overrideFraud"; payment_id: string; decision: FraudDecision; note: string | null }
  | { method: "listDeadLetters"; filter: DeadLetterFilter }
  /** Dead letters found before any actor (poison Kafka records), straight to Postgres. */
  | { method: "writeDeadLetters"; rows: DeadLetterRow[] }
  | { method: "ledgerAccounts"; currency: string }
  | { method: "pingPostgres" }
  | { method: "actorsHealth" }
  /** Throws while the Redis velocity store's circuit breaker is open. */
  | { method: "redisHealth" }
  | { method: "metrics" }
  | { method: "stop" };

export interface ActorThreadResults {
  open: { migration: SinkMigrationResult; resumed: number };
  accept: AcceptOutcome[];
  inspect: PaymentView | null;
  replay: OperatorOutcome;
  discard: OperatorOutcome;
  overrideFraud: OperatorOutcome;
  listDeadLetters: DeadLetterListing[];
  writeDeadLetters: null;
  ledgerAccounts: AccountBalance[];
  pingPostgres: null;
  actorsHealth: { pending_alarms: number; processing_backlog: number };
  redisHealth: Record<string, unknown> | null;
  /** The actor thread's metrics in Prometheus text. */
  metrics: string;
  stop: null;
}

export type ActorThreadMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error_class: string; error_message: string }
  /** The actor storage failed to commit or fsync: the process must stop (see actor-database.ts). */
  | { fatal: string };
