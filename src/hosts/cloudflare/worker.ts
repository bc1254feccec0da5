/**
 * The Cloudflare host's entry (wrangler.toml `main`): the Worker's fetch serves the shared
 * Hono app; the Durable Object classes are exported for wrangler.toml's bindings.
 */
import type { CloudflareEnv } from "./env.ts";
import { wakeKafkaConsumer } from "./kafka-consumers.ts";
import { workerApp } from "./worker-app.ts";

export { KafkaConsumerObject } from "./kafka-consumer-object.ts";
export { PaymentActorObject } from "./payment-actor-object.ts";
export { SinkWriterObject } from "./sink-writer-object.ts";
export { VelocityCounterObject } from "./velocity-counter-object.ts";

export default {
  fetch(request: Request, env: CloudflareEnv, context: WorkerExecutionContext): Response | Promise<Response> {
    const app = workerApp(env);
    if (!app.ok) {
      // No route can answer without its configuration; the message names the variable.
      return Response.json({ error: { code: "not_configured", message: app.error.message } }, { status: 503, headers: { "Retry-After": "60" } });
    }
    return app.value.fetch(request, env, context as never);
  },

  /** The Cron Trigger (wrangler.toml `[triggers]`): keeps the Kafka consumer object polling. */
  async scheduled(_controller: WorkerScheduledController, env: CloudflareEnv): Promise<void> {
    await wakeKafkaConsumer(env);
  },
};
