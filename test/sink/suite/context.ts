import { test } from "bun:test";
import type { SinkDatabase } from "../../../src/sink/database.ts";

export interface SinkSuiteContext {
  /** The suite's sink: migrated, its tables emptied before each case. */
  sink(): SinkDatabase;
  /** Opens another sink on the same database (the caller closes it). */
  open(): Promise<SinkDatabase>;
  test(name: string, run: () => Promise<void>, timeout_ms?: number): void;
}

/** Defines each case, but those that cannot apply to the driver (`not_applicable`, with why). */
export function caseRunner(not_applicable: Record<string, string>): SinkSuiteContext["test"] {
  return (name, run, timeout_ms) => {
    if (not_applicable[name] === undefined) test(name, run, timeout_ms);
  };
}
