/**
 * The dev broker (DESIGN.md section 10): both REST protocols on one port over one durable log.
 * The paths do not collide, except `GET /topics`, which answers Confluent's list of names when
 * the request accepts `application/vnd.kafka.v2+json` and Upstash's `{topic: partitions}` else.
 *
 * Basic auth: any credentials (or none) unless a username and password are configured; then a
 * request without them, or with others, gets 401 in its protocol's error shape.
 */
import { Hono } from "hono";
import { timingSafeEqual } from "node:crypto";
import { ConsumerGroups } from "./consumer-groups.ts";
import { confluentError, confluentV2Routes, V2_JSON, type CommitStores } from "./confluent-v2-routes.ts";
import { LogStore } from "./log-store.ts";
import { upstashError, upstashRoutes } from "./upstash-routes.ts";

export interface BrokerOptions {
  host?: string;
  port: number;
  data_dir: string;
  partitions: number;
  username?: string;
  password?: string;
  /** Confluent's consumer.instance.timeout.ms: 300,000 by default. */
  instance_timeout_ms?: number;
  /** What a Confluent v2 commit of offset N stores: N + 1 (Confluent, Karapace) or N (Strimzi). */
  commit_stores?: CommitStores;
  now?: () => number;
}

const isConfluentPath = (path: string) => path.startsWith("/consumers/") || path.startsWith("/topics/");

function brokerApp(options: BrokerOptions) {
  const now = options.now ?? Date.now;
  const store = new LogStore(options.data_dir, options.partitions, now);
  const groups = new ConsumerGroups(store, { instance_timeout_ms: options.instance_timeout_ms ?? 300_000, now });
  const app = new Hono();
  const expected = options.username && options.password ? Buffer.from(`${options.username}:${options.password}`) : null;

  app.use("*", async (c, next) => {
    if (expected === null) return next();
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(c.req.header("authorization") ?? "");
    const given = match ? Buffer.from(match[1]!, "base64") : Buffer.alloc(0);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    c.header("WWW-Authenticate", 'Basic realm="kafka-dev"');
    const message = match ? "Unauthorized: wrong username or password" : "Unauthorized: send Authorization: Basic <username:password>";
    return isConfluentPath(c.req.path) ? confluentError(c, 401, 40101, message) : upstashError(c, 401, message);
  });

  app.get("/topics", (c, next) => {
    if (!(c.req.header("accept") ?? "").includes(V2_JSON)) return next();
    return c.body(JSON.stringify(store.topicNames()), 200, { "content-type": V2_JSON });
  });
  app.route("/", confluentV2Routes({ store, groups, commit_stores: options.commit_stores ?? "next_offset" }));
  app.route("/", upstashRoutes({ store, groups }));

  app.notFound((c) =>
    isConfluentPath(c.req.path) ? confluentError(c, 404, 404, "HTTP 404 Not Found") : upstashError(c, 404, `no route ${c.req.method} ${c.req.path}`),
  );
  app.onError((error, c) => {
    console.error(`kafka-dev: ${c.req.method} ${c.req.path} failed:`, error);
    const message = `internal error: ${(error as Error).message}`;
    return isConfluentPath(c.req.path) ? confluentError(c, 500, 50001, message) : upstashError(c, 500, message);
  });
  return { app, store, groups };
}

export function startBroker(options: BrokerOptions) {
  const { app, store, groups } = brokerApp(options);
  const server = Bun.serve({ hostname: options.host ?? "127.0.0.1", port: options.port, fetch: app.fetch, idleTimeout: 60 });
  const sweeper = setInterval(() => groups.sweep(), 1_000);
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${server.port}`,
    store,
    groups,
    async stop() {
      clearInterval(sweeper);
      await server.stop(true);
      store.close();
    },
  };
}

export type Broker = ReturnType<typeof startBroker>;
