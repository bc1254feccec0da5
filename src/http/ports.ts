/**
 * What the HTTP app needs from the rest of the system. Each host fills these in: the Bun
 * host with in-process actors and a local sink, the Cloudflare host with Durable Object stubs.
 */
import type { MessageSource, PaymentEvent } from "../core/event.ts";
import type { DeadLetterFilter } from "../core/dead-letters.ts";
import type { AccountBalance, DeadLetterListing } from "../core/postgres-rows.ts";
import type { OperatorOutcome } from "../core/operator-outcome.ts";
import type { FraudDecision } from "../core/payment.ts";
import type { JsonLimits } from "../ingest/json-limits.ts";
import type { HmacSha256 } from "../ingest/standard-webhooks.ts";
import type { WebhookSource } from "../ingest/webhook-sources.ts";
import type { MetricsRegistry } from "./metrics.ts";
import type { AcceptOutcome as ActorAcceptOutcome } from "../../actors/payment/admission.ts";

/**
 * What the payment actor's admission answers (actors/payment/admission.ts: `inbox_full`, this
 * payment has too many events waiting; `dead_letters_full`, too many dead letters waiting for an
 * operator), or `overloaded`: the whole host has too much waiting.
 */
export type AcceptOutcome = ActorAcceptOutcome | "overloaded";

export interface PaymentActorsPort {
  /** Resolves once the event is durable in its actor's inbox (or recognised as a duplicate). */
  accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome>;
  /**
   * True while the host refuses new events `overloaded` (on Bun: its processing backlog is past
   * its limit, or its HTTP thread runs behind). Webhooks are then answered 503
   * before their body is read, verified and parsed: refusing must cost far less than accepting,
   * or an overloaded host spends its core refusing and answers nothing in time. Absent: never.
   */
  overloaded?(): boolean;
  /** The actor's whole state, or null for a payment never seen. */
  inspect(payment_id: string): Promise<unknown | null>;
  replay(payment_id: string, event_id: string): Promise<OperatorOutcome>;
  discard(payment_id: string, event_id: string): Promise<OperatorOutcome>;
  overrideFraud(payment_id: string, decision: FraudDecision, note: string | null): Promise<OperatorOutcome>;
}

/** Reads across payments, answered by Postgres. */
export interface SinkReaderPort {
  listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterListing[]>;
  ledgerAccounts(currency: string): Promise<AccountBalance[]>;
}

export interface HealthCheck {
  name: string;
  /** Resolves with details when healthy; throws when not. */
  check(): Promise<Record<string, unknown> | void>;
}

/** GET /kafka/consumers: each consumer's topics and partitions (DESIGN.md section 9). */
export interface KafkaConsumersView {
  consumers: Array<{
    protocol: string;
    group: string;
    instance: string;
    topics: string[];
    partitions: Array<{ topic: string; partition: number; committed_offset: number | null; log_end_offset: number | null; lag: number | null }>;
  }>;
}

export interface AppDependencies {
  webhook_secrets: Record<string, readonly string[]>;
  /** Every source with its provider kind (WEBHOOK_SOURCES merged with WEBHOOK_SECRETS); absent: webhook_secrets as standard sources. */
  webhook_sources?: Record<string, WebhookSource>;
  /** null: admin routes answer 503 (Cloudflare without the secret). */
  admin_token: string | null;
  body_bytes_max: number;
  /** JSON_DEPTH_MAX, JSON_STRING_LENGTH_MAX, JSON_KEYS_PER_OBJECT_MAX for every JSON body; absent: the defaults. */
  json_limits?: JsonLimits;
  /** LIST_ENTRIES_MAX: the most entries an admin list answers; absent: the default (src/core/config.ts). */
  list_entries_max?: number;
  actors: PaymentActorsPort;
  sink: SinkReaderPort;
  metrics: MetricsRegistry;
  /** Prometheus text of registries that live outside this thread (the Bun host's actor thread). */
  metrics_elsewhere?: Array<() => Promise<string>>;
  /** Each check is cheap (a ping, never a count of rows); one that does not answer within this is failing. Absent: 5 s. */
  health_checks: HealthCheck[];
  health_check_timeout_ms?: number;
  now(): number;
  /** The Kafka consumers' progress; absent: no consumer is configured. */
  kafka_consumers?: () => Promise<KafkaConsumersView>;
  /** The host's HMAC-SHA256 for webhook signatures; WebCrypto when absent. */
  hmac_sha256?: HmacSha256;
}
