/**
 * A payment actor on the real Bun runtime (bun:sqlite, group commit, durable alarms) with a
 * driven clock, for actor-level tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import { NO_METRICS } from "./no-metrics.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS, type PaymentActorLimits } from "../../actors/payment/limits.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import type { MessageSource, PaymentEvent } from "../../src/core/event.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import type { FraudRuleSet } from "../../src/core/fraud/rules.ts";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import { MemoryVelocityStore } from "./memory-velocity-store.ts";
import { RecordingSink } from "./recording-sink.ts";

export const WEBHOOK_SOURCE: MessageSource = { kind: "webhook", source: "test", webhook_id: "msg_test" };

export interface HarnessOptions {
  limits?: Partial<PaymentActorLimits>;
  fraud_rules?: FraudRuleSet;
  directory?: string;
  /** Puts something (a circuit breaker) between the actors and the memory velocity store. */
  wrap_velocity?: (memory: MemoryVelocityStore, clock: () => number) => VelocityStore;
  fraud_fail_open?: boolean;
}

export function createActorHarness(options: HarnessOptions = {}) {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "actor-test-"));
  let now = Date.parse("2026-11-21T10:00:00Z");
  const clock = () => now;
  const sink = new RecordingSink();
  const velocity = new MemoryVelocityStore();
  const actor_velocity = options.wrap_velocity?.(velocity, clock) ?? velocity;
  const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), durability: "process" });
  const limits = { ...DEFAULT_PAYMENT_ACTOR_LIMITS, ...options.limits };
  const system = new BunActorSystem(
    database,
    (context) =>
      new PaymentActor(context, {
        velocity: actor_velocity,
        sink,
        fraud_rules: options.fraud_rules ?? DEFAULT_FRAUD_RULES,
        limits,
        metrics: NO_METRICS,
        random: () => 0.5,
        fraud_fail_open: options.fraud_fail_open ?? false,
      }),
    clock,
  );
  system.start();

  return {
    directory,
    sink,
    velocity,
    system,
    database,
    actor: (payment_id: string) => system.get(payment_id),
    advance(ms: number) {
      now += ms;
      // What the scheduler's own timer does as real time passes: alarms come within its horizon.
      system.scheduler.loadComing();
    },
    now: clock,
    async accept(event: PaymentEvent, source: MessageSource = WEBHOOK_SOURCE) {
      return system.get(event.payment_id).accept(event, source);
    },
    /**
     * Runs the actor's alarm handler until its due work is done. Between rounds it yields a
     * macrotask: a loop the host's own timer started may be waiting for the group commit,
     * which runs on the next turn of the event loop.
     */
    async settle(payment_id: string) {
      const deadline = performance.now() + 5_000;
      while (performance.now() < deadline) {
        await system.get(payment_id).alarm();
        const due = system.scheduler.get(payment_id);
        if ((due === null || due > now) && system.get(payment_id).idle()) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`actor ${payment_id} did not settle`);
    },
    inspect(payment_id: string) {
      const view = system.get(payment_id).inspect();
      if (!view) throw new Error(`payment ${payment_id} not found`);
      return view;
    },
    async close(remove = true) {
      await system.stop();
      await database.close();
      if (remove) rmSync(directory, { recursive: true, force: true });
    },
  };
}

export type ActorHarness = ReturnType<typeof createActorHarness>;
