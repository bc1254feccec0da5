/**
 * The actor-host behaviour suite (DESIGN.md section 3, STYLE.md section 6): one set of cases,
 * one behaviour per file, run against every host implementation of `actors/runtime.ts`
 * (test/hosts/bun.test.ts, test/hosts/workerd.test.ts, and test/hosts/memory.test.ts with an
 * injected clock). A runner may skip a case only
 * with a written reason; a reason naming a case that does not exist fails the run.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { acknowledgesAfterDurable } from "./acknowledges-after-durable.ts";
import { alarmFiresAndRearms } from "./alarm-fires-and-rearms.ts";
import { alarmIdempotent } from "./alarm-idempotent.ts";
import { CASE_TIMEOUT_MS, type SuiteContext } from "./context.ts";
import { caseRunner } from "../support/case-runner.ts";
import { duplicateChangesNothing } from "./duplicate-changes-nothing.ts";
import type { HostFactory, TestHost } from "./host.ts";
import { keysRunInParallel } from "./keys-run-in-parallel.ts";
import { listPages } from "./list-pages.ts";
import { runsThePaymentActor } from "./runs-the-payment-actor.ts";
import { serializesPerKey } from "./serializes-per-key.ts";
import { survivesRestart } from "./survives-restart.ts";
import { transactionAtomic } from "./transaction-atomic.ts";

export type { HostFactory, HostStartOptions, SuiteActorKind, SuiteRequests, TestHost } from "./host.ts";
export { createSuiteActor, type SuiteActor } from "./suite-actors.ts";

export interface ActorHostSuiteOptions {
  /** Case name to the reason it cannot apply to this host (such a case is not defined for it). */
  not_applicable?: Record<string, string>;
}

export function runActorHostSuite(name: string, factory: HostFactory, options: ActorHostSuiteOptions = {}): void {
  describe(name, () => {
    const running: TestHost[] = [];
    afterEach(async () => {
      const hosts = running.splice(0);
      await Promise.all(hosts.map((host) => host.stop()));
    });
    const not_applicable = options.not_applicable ?? {};
    const used = new Set<string>();
    const context: SuiteContext = {
      factory,
      async start(start_options) {
        const host = await factory.start(start_options);
        running.push(host);
        return host;
      },
      test: caseRunner(not_applicable, CASE_TIMEOUT_MS, used),
    };
    serializesPerKey(context);
    acknowledgesAfterDurable(context);
    survivesRestart(context);
    keysRunInParallel(context);
    alarmFiresAndRearms(context);
    alarmIdempotent(context);
    transactionAtomic(context);
    listPages(context);
    duplicateChangesNothing(context);
    runsThePaymentActor(context);
    test("every case named not applicable is a case of the suite", () => {
      expect(Object.keys(not_applicable).filter((name) => !used.has(name))).toEqual([]);
    });
  });
}
