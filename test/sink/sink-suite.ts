/**
 * The sink behaviour suite: one set of cases run against every driver (pglite.test.ts,
 * postgres.test.ts, neon.test.ts). A runner may leave out a case that cannot apply to its
 * driver, only with a written reason; every case runs against PostgreSQL in CI.
 */
import { afterAll, beforeAll, beforeEach, describe } from "bun:test";
import type { SinkDatabase } from "../../src/sink/database.ts";
import { migrateSink } from "../../src/sink/migrate.ts";
import { batchingCases } from "./suite/batching.ts";
import { caseRunner } from "../support/case-runner.ts";
import type { SinkSuiteContext } from "./suite/context.ts";
import { deadLetterCases } from "./suite/dead-letters.ts";
import { fraudDecisionCases } from "./suite/fraud-decisions.ts";
import { idempotencyCases } from "./suite/idempotency.ts";
import { ledgerCases } from "./suite/ledger.ts";
import { migrationCases } from "./suite/migrations.ts";
import { truncateSink } from "./suite/snapshot.ts";

/** Starting a host (PGlite, workerd, a PostgreSQL) takes seconds on a loaded machine; Bun gives hooks 5 s. */
const HOOK_TIMEOUT_MS = 60_000;

export interface SinkSuiteOptions {
  /** Case name to the reason it cannot apply to this driver: such a case is not defined here. */
  not_applicable?: Record<string, string>;
}

export function runSinkSuite(name: string, open: () => Promise<SinkDatabase>, options: SinkSuiteOptions = {}): void {
  describe(name, () => {
    let sink: SinkDatabase | null = null;
    beforeAll(async () => {
      sink = await open();
      await migrateSink(sink);
    }, HOOK_TIMEOUT_MS);
    beforeEach(async () => {
      if (sink !== null) await truncateSink(sink);
    });
    afterAll(async () => {
      await sink?.close();
    });
    const context: SinkSuiteContext = {
      sink() {
        if (sink === null) throw new Error("the sink did not open");
        return sink;
      },
      open,
      test: caseRunner(options.not_applicable ?? {}),
    };
    migrationCases(context);
    idempotencyCases(context);
    fraudDecisionCases(context);
    ledgerCases(context);
    deadLetterCases(context);
    batchingCases(context);
  });
}
