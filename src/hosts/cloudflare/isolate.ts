/**
 * What one isolate builds once and shares between the Worker's fetch handler and the Durable
 * Objects it hosts: parsed configuration and the metrics registry. Metrics are per isolate
 * (on workerd locally, one isolate runs everything; on Cloudflare each isolate reports its own),
 * so every sample is labelled scope="isolate", and no gauge is derived from counters.
 */
import type { ActorMetrics } from "../../../actors/payment/actor-metrics.ts";
import type { Result } from "../../core/result.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
// The actor counters are the same on both hosts (src/hosts/actor-metrics.ts).
import { actorMetrics } from "../actor-metrics.ts";
import { loadActorConfig, loadWorkerConfig, type ActorConfig, type WorkerConfig } from "./config.ts";
import { variables, type CloudflareEnv } from "./env.ts";

let registry: MetricsRegistry | null = null;
let actor_metrics: ActorMetrics | null = null;
const actor_configs = new WeakMap<object, Result<ActorConfig>>();
const worker_configs = new WeakMap<object, Result<WorkerConfig>>();

export function isolateRegistry(): MetricsRegistry {
  registry ??= new MetricsRegistry({ scope: "isolate" });
  return registry;
}

export function isolateActorMetrics(): ActorMetrics {
  actor_metrics ??= actorMetrics(isolateRegistry(), null);
  return actor_metrics;
}

export function actorConfig(env: CloudflareEnv): ActorConfig {
  let config = actor_configs.get(env);
  if (config === undefined) actor_configs.set(env, (config = loadActorConfig(variables(env))));
  if (!config.ok) throw new Error(`configuration refused: ${config.error.message}`);
  return config.value;
}

export function workerConfig(env: CloudflareEnv): Result<WorkerConfig> {
  let config = worker_configs.get(env);
  if (config === undefined) worker_configs.set(env, (config = loadWorkerConfig(variables(env))));
  return config;
}
