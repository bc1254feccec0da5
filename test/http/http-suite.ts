/**
 * The HTTP behaviour suite: one set of cases, run against every host through `fetch` alone
 * (test/http/bun-host.test.ts, and test/cloudflare/http-suite.test.ts for the Cloudflare host on workerd). `start` brings a host up
 * once for the whole suite; cases use their own payment ids, so they never depend on each
 * other and also run against a host that keeps data between runs.
 *
 * A case that cannot apply to a host is not defined for it, with the reason in its runner.
 */
import { afterAll, beforeAll, describe } from "bun:test";
import type { HttpTarget } from "../support/http-target.ts";
import { adminAuthCases } from "./suite/admin-auth.ts";
import { badRequestCases } from "./suite/bad-requests.ts";
import { caseRunner } from "../support/case-runner.ts";
import type { HttpSuiteContext, HttpSuiteOptions } from "./suite/context.ts";
import { deadLetterCases } from "./suite/dead-letters.ts";
import { fraudOverrideCases } from "./suite/fraud-override.ts";
import { hostileInputCases } from "./suite/hostile-input.ts";
import { inspectionCases } from "./suite/inspection.ts";
import { ledgerCases } from "./suite/ledger.ts";
import { operationCases } from "./suite/operations.ts";
import { providerCases } from "./suite/providers.ts";
import { signatureCases } from "./suite/signatures.ts";

export type { HttpSuiteOptions } from "./suite/context.ts";

export function runHttpSuite(name: string, start: () => Promise<HttpTarget>, options: HttpSuiteOptions = {}): void {
  describe(name, () => {
    let target: HttpTarget | null = null;
    const run_id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
    beforeAll(async () => {
      target = await start();
    }, 60_000);
    afterAll(async () => {
      await target?.stop();
    });
    const context: HttpSuiteContext = {
      target() {
        if (target === null) throw new Error("the host did not start");
        return target;
      },
      paymentId: (case_name) => `pay_${run_id}_${case_name}`,
      test: caseRunner(options.not_applicable ?? {}, 30_000),
    };
    signatureCases(context);
    badRequestCases(context);
    hostileInputCases(context);
    adminAuthCases(context);
    inspectionCases(context);
    deadLetterCases(context);
    fraudOverrideCases(context);
    ledgerCases(context);
    operationCases(context);
    providerCases(context);
  });
}
