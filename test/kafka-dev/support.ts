/** A dev broker on a free port over a fresh data folder, with a clock the test drives. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker, type Broker, type BrokerOptions } from "../../scripts/kafka-dev/broker.ts";

export interface TestBroker {
  broker: Broker;
  url: string;
  data_dir: string;
  clock: { now_ms: number };
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function testBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const data_dir = options.data_dir ?? mkdtempSync(join(tmpdir(), "kafka-dev-"));
  const clock = { now_ms: 1_700_000_000_000 };
  const start = () => startBroker({ port: 0, partitions: 4, ...options, data_dir, now: () => clock.now_ms });
  const state: TestBroker = {
    broker: start(),
    url: "",
    data_dir,
    clock,
    async restart() {
      await state.broker.stop();
      state.broker = start();
      state.url = state.broker.url;
    },
    async close() {
      await state.broker.stop();
      rmSync(data_dir, { recursive: true, force: true });
    },
  };
  state.url = state.broker.url;
  return state;
}

export const V2 = "application/vnd.kafka.v2+json";
export const V2_JSON_RECORDS = "application/vnd.kafka.json.v2+json";
export const V2_BINARY_RECORDS = "application/vnd.kafka.binary.v2+json";

export async function call(url: string, method: string, path: string, options: { body?: unknown; type?: string; accept?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.type) headers["content-type"] = options.type;
  if (options.accept) headers.accept = options.accept;
  const response = await fetch(url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: response.status, type: response.headers.get("content-type"), json: json as any, text, headers: response.headers };
}

