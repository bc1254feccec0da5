import type { AccountBalance, DeadLetterRow, SinkRows } from "../../core/records.ts";
import type { DeadLetterFilter } from "../../http/ports.ts";
import type { SinkMigrationResult } from "../../sink/migrate.ts";
import type { PostgresInstallation } from "../../sink/installation.ts";
import type { SinkConfig } from "../../sink/open-sink.ts";

export type SinkRequest =
  | { method: "open"; config: SinkConfig }
  | { method: "write"; rows: SinkRows }
  | { method: "listDeadLetters"; filter: DeadLetterFilter }
  | { method: "ledgerAccounts"; currency: string }
  | { method: "countPaymentEvents" }
  | { method: "readInstallation" }
  | { method: "claimInstallation"; installation_id: string }
  | { method: "ping" }
  | { method: "close" };

export interface SinkResults {
  open: SinkMigrationResult;
  write: void;
  listDeadLetters: DeadLetterRow[];
  ledgerAccounts: AccountBalance[];
  countPaymentEvents: number;
  readInstallation: PostgresInstallation;
  claimInstallation: string;
  ping: null;
  close: null;
}

export type SinkResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error_class: string; error_message: string };
