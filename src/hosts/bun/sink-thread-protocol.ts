import type { DeadLetterFilter } from "../../core/dead-letters.ts";
import type { AccountBalance, DeadLetterListing } from "../../core/postgres-rows.ts";
import type { SinkMigrationResult } from "../../sink/migrate.ts";
import type { PostgresInstallation } from "../../sink/installation.ts";
import type { SinkOpenOptions } from "../../sink/open-sink.ts";
import type { KafkaDeadLetterPublication } from "../../sink/kafka-dead-letter-publications.ts";

export type SinkRequest =
  | { method: "open"; config: SinkOpenOptions }
  /**
   * SinkRows as JSON text: posted as one string, a batch cost the actor thread 9% less and the
   * sink thread 4% less than as objects to structured-clone (`ACTOR_COST_SINK=thread bun run
   * scripts/actor-cost.ts`, 2,000 events/s, alternated four times: actor thread 232 to 274 µs
   * an event against 279 to 294, sink thread 168 to 182 against 181 to 188).
   */
  | { method: "write"; rows_json: string }
  | { method: "listDeadLetters"; filter: DeadLetterFilter }
  | { method: "ledgerAccounts"; currency: string }
  | { method: "unpublishedKafkaDeadLetters"; limit: number }
  | { method: "recordKafkaDeadLettersPublished"; publications: KafkaDeadLetterPublication[]; now: number }
  | { method: "readInstallation" }
  | { method: "claimInstallation"; installation_id: string }
  | { method: "ping" }
  | { method: "close" };

export interface SinkResults {
  open: SinkMigrationResult;
  write: void;
  listDeadLetters: DeadLetterListing[];
  ledgerAccounts: AccountBalance[];
  unpublishedKafkaDeadLetters: DeadLetterListing[];
  recordKafkaDeadLettersPublished: null;
  readInstallation: PostgresInstallation;
  claimInstallation: string;
  ping: null;
  close: null;
}

export type SinkResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error_class: string; error_message: string };
