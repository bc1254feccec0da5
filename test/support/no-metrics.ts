import type { ActorMetrics } from "../../actors/payment/actor-metrics.ts";

/** Metrics that go nowhere, for actors under test. */
export const NO_METRICS: ActorMetrics = {
  increment() {},
  observe() {},
};
