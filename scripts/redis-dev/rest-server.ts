/** Serves the Upstash Redis REST protocol (rest-handler.ts) on a loopback port with Bun.serve. */
import { RedisConnection } from "./redis-connection.ts";
import { createRestHandler } from "./rest-handler.ts";

export interface RedisRestServer {
  /** The value for UPSTASH_REDIS_REST_URL. */
  url: string;
  /** The value for UPSTASH_REDIS_REST_TOKEN. */
  token: string;
  /** Requests that reached Redis, per command name ("EVALSHA") or path ("/pipeline"): the round trips clients made. */
  readonly requests: Map<string, number>;
  stop(): Promise<void>;
}

export function startRedisRestServer(options: { redis_url: string; token: string; port?: number; hostname?: string }): RedisRestServer {
  const redis = new RedisConnection(options.redis_url);
  const requests = new Map<string, number>();
  const handler = createRestHandler({
    redis,
    token: options.token,
    onRequest: (path) => requests.set(path, (requests.get(path) ?? 0) + 1),
  });
  const server = Bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    fetch: handler,
    error: (error) => Response.json({ error: `ERR ${error.message}` }, { status: 500 }),
  });
  return {
    url: `http://${server.hostname}:${server.port}`,
    token: options.token,
    requests,
    async stop() {
      await server.stop(true);
      redis.close();
    },
  };
}
