import type { DeadLetterFilter } from "../../core/dead-letters.ts";
import type { AccountBalance, DeadLetterListing, SinkRows } from "../../core/postgres-rows.ts";
import type { SinkMigrationResult } from "../../sink/migrate.ts";
import type { PostgresInstallation } from "../../sink/installation.ts";
import type { SinkOpenOptions } from "../../sink/open-sink.ts";
import type { KafkaDeadLetterPublication } from "../../sink/kafka-dead-letter-publications.ts";

export type SinkRequest =
  | { method: "open"; config: SinkOpenOptions }
  | { method: "write"; rows: SinkRows }
  | { method: "listDeadLetters"; filter: DeadLetterFilter }
  | { method: "ledgerAccounts"; currency: string }
  | { method: "unpublishedKafkaDeadLetters"; limit: number }
  | { method: "recordKafkaDeadLettersPublished"; publications: KafkaDeadLetterPublication[]; now: number }
  | { method: "countPaymentEvents" }
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
  countPaymentEvents: number;
  readInstallation: PostgresInstallation;
  claimInstallation: string;
  ping: null;
  close: null;
}

export type SinkResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error_class: string; error_message: string };
