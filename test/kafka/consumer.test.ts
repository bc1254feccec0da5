/** The consumer behaviour suite with each adapter, against the dev broker. */
import { setDefaultTimeout } from "bun:test";
import { ConfluentV2Source } from "../../src/ingest/kafka/confluent-v2-source.ts";
import { UpstashSource } from "../../src/ingest/kafka/upstash-source.ts";
import { consumerSuite, GROUP } from "./consumer-suite.ts";

// Each case starts a broker (and clients) on this shared, noisy machine.
setDefaultTimeout(30_000);

const common = (rest_url: string) => ({
  rest_url,
  group: GROUP,
  instance: "suite-1",
  topics: ["payments"],
  offset_reset: "earliest" as const,
  poll_timeout_ms: 10,
  username: "dev",
  password: "dev",
});

consumerSuite("upstash", (url) => new UpstashSource(common(url)));
consumerSuite("confluent-v2", (url) => new ConfluentV2Source({ ...common(url), commit_convention: "last-record", format: "binary" }));
