/**
 * The actors a host runs for the suite, built from an ActorContext alone: the probe, and the
 * real payment actor with in-process dependencies (a velocity store in memory behind a short delay and a sink that
 * takes every row, standing in for Redis and Postgres, which are not the host's business).
 * A host calls `createSuiteActor` from its own actor factory (Bun: BunActorSystem's
 * `create`; workerd: one Durable Object class per kind).
 */
import { NO_METRICS } from "../support/no-metrics.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../actors/payment/limits.ts";
import { PaymentActor } from "../../actors/payment/payment-actor.ts";
import type { ActorContext, HostedActor } from "../../actors/runtime.ts";
import type { MessageSource, PaymentEvent } from "../../src/core/event.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import type { SuiteActorKind, SuiteRequests } from "./host.ts";
import { ProbeActor } from "./probe-actor.ts";

export type PaymentRequest = { op: "accept"; event: PaymentEvent } | { op: "inspect" };

/** What a host holds per key: requests in, the alarm handler for its alarm. */
export interface SuiteActor<K extends SuiteActorKind = SuiteActorKind> extends HostedActor {
  handle(request: SuiteRequests[K]): Promise<unknown>;
}

const SUITE_SOURCE: MessageSource = { kind: "webhook", source: "suite", webhook_id: "msg_suite" };

/** The fraud velocity fetch takes this long, as a Redis round trip would: an await to crash in. */
export const SUITE_VELOCITY_DELAY_MS = 50;

function slowVelocity(): VelocityStore {
  const memory = new MemoryVelocityStore();
  return {
    async observe(observations, now_ms) {
      await new Promise((resolve) => setTimeout(resolve, SUITE_VELOCITY_DELAY_MS));
      return memory.observe(observations, now_ms);
    },
  };
}

export function createSuiteActor<K extends SuiteActorKind>(kind: K, context: ActorContext): SuiteActor<K>;
export function createSuiteActor(kind: SuiteActorKind, context: ActorContext): SuiteActor {
  switch (kind) {
    case "probe": {
      const probe = new ProbeActor(context);
      return {
        handle: (request) => probe.handle(request as SuiteRequests["probe"]),
        alarm: () => probe.alarm(),
        idle: () => probe.idle(),
      };
    }
    case "payment": {
      const payment = new PaymentActor(context, {
        velocity: slowVelocity(),
        sink: { write: async () => {} },
        fraud_rules: DEFAULT_FRAUD_RULES,
        limits: DEFAULT_PAYMENT_ACTOR_LIMITS,
        metrics: NO_METRICS,
        random: () => 0.5,
      });
      return {
        async handle(request) {
          const call = request as PaymentRequest;
          if (call.op === "accept") return payment.accept(call.event, SUITE_SOURCE);
          return payment.inspect();
        },
        alarm: () => payment.alarm(),
        idle: () => payment.idle(),
      };
    }
  }
}
