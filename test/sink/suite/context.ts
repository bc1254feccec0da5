import type { SinkDatabase } from "../../../src/sink/database.ts";

export interface SinkSuiteContext {
  /** The suite's sink: migrated, its tables emptied before each case. */
  sink(): SinkDatabase;
  /** Opens another sink on the same database (the caller closes it). */
  open(): Promise<SinkDatabase>;
  test(name: string, run: () => Promise<void>, timeout_ms?: number): void;
}
