/** The consumer behaviour suite with each adapter, against the dev broker. */
import { ConfluentV2Source } from "../../src/ingest/kafka/confluent-v2-source.ts";
import { UpstashSource } from "../../src/ingest/kafka/upstash-source.ts";
import { consumerSuite, GROUP } from "./consumer-suite.ts";

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
