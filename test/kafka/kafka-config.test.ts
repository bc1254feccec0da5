import { describe, expect, test } from "bun:test";
import { parseKafkaConfig } from "../../src/ingest/kafka/kafka-config.ts";

const base = { KAFKA_REST_URL: "http://127.0.0.1:8082", KAFKA_TOPICS: "payments" };

describe("Kafka configuration", () => {
  test("unset KAFKA_REST_URL means no consumer", () => {
    expect(parseKafkaConfig({}, "host-1")).toEqual({ ok: true, value: null });
  });

  test("defaults: confluent-v2, group payment-actors, the host's stable instance, earliest, last-record, binary", () => {
    const parsed = parseKafkaConfig({ ...base, KAFKA_TOPICS: "payments, refunds,payments" }, "host-1");
    expect(parsed).toEqual({
      ok: true,
      value: {
        rest_url: "http://127.0.0.1:8082",
        protocol: "confluent-v2",
        username: null,
        password: null,
        topics: ["payments", "refunds"],
        group: "payment-actors",
        instance: "host-1",
        offset_reset: "earliest",
        commit_convention: "last-record",
        format: "binary",
        poll_timeout_ms: 1000,
      },
    });
  });

  test.each([
    [{ KAFKA_TOPICS: "payments" }, "KAFKA_TOPICS is set but KAFKA_REST_URL"],
    [{ ...base, KAFKA_REST_URL: "ftp://x" }, "KAFKA_REST_URL must be an http(s) URL"],
    [{ ...base, KAFKA_REST_PROTOCOL: "kafka" }, "KAFKA_REST_PROTOCOL must be upstash or confluent-v2"],
    [{ ...base, KAFKA_TOPICS: "" }, "KAFKA_TOPICS must name the topics"],
    [{ ...base, KAFKA_TOPICS: "payments.dlq" }, "KAFKA_TOPICS: \"payments.dlq\""],
    [{ ...base, KAFKA_TOPICS: "bad topic" }, "KAFKA_TOPICS: \"bad topic\""],
    [{ ...base, KAFKA_GROUP: "a/b" }, "KAFKA_GROUP must be"],
    [{ ...base, KAFKA_INSTANCE: "a b" }, "KAFKA_INSTANCE must be"],
    [{ ...base, KAFKA_OFFSET_RESET: "none" }, "KAFKA_OFFSET_RESET must be earliest or latest"],
    [{ ...base, KAFKA_COMMIT_CONVENTION: "n+1" }, "KAFKA_COMMIT_CONVENTION must be"],
    [{ ...base, KAFKA_FORMAT: "avro" }, "KAFKA_FORMAT must be binary or json"],
    [{ ...base, KAFKA_PASSWORD: "p" }, "KAFKA_USERNAME must be set when KAFKA_PASSWORD is"],
    [{ ...base, KAFKA_REST_PROTOCOL: "upstash" }, "KAFKA_USERNAME and KAFKA_PASSWORD must be set for KAFKA_REST_PROTOCOL=upstash"],
    [{ ...base, KAFKA_POLL_TIMEOUT_MS: "99999" }, "KAFKA_POLL_TIMEOUT_MS must be between"],
  ])("%p is refused with a message naming the variable", (env, message) => {
    const parsed = parseKafkaConfig(env, "host-1");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain(message);
  });

  test("the dev broker's own variables do not start a consumer", () => {
    expect(parseKafkaConfig({ KAFKA_DEV_PORT: "8082" }, "host-1")).toEqual({ ok: true, value: null });
  });
});
