/** GET /kafka/consumers (admin): each consumer's partitions with committed offset, log end and lag. */
import { Hono } from "hono";
import type { AppDependencies } from "../ports.ts";

export function kafkaConsumerRoutes(deps: AppDependencies) {
  return new Hono().get("/kafka/consumers", async (c) => c.json(deps.kafka_consumers ? await deps.kafka_consumers() : { consumers: [] }));
}
