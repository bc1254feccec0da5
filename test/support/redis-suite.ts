/** Starts Redis for a test file, or decides it cannot: a skip locally, a failure in CI. */
import { afterAll, describe } from "bun:test";
import { REDIS_MISSING, redisRequired, startRedisWithRest, type OwnRedisOptions, type RedisWithRest } from "./redis-server.ts";

/**
 * Runs `body` with a Redis and its REST server. Without Redis the suite is skipped with the
 * reason in its name, unless CI=true, where the file fails.
 */
export async function withRedis(name: string, body: (redis: RedisWithRest) => void, options: { own?: boolean } & OwnRedisOptions = {}): Promise<void> {
  const redis = await startRedisWithRest(options);
  if (redis === null) {
    if (redisRequired()) throw new Error(`${name}: ${REDIS_MISSING} (CI=true: Redis suites fail instead of skipping)`);
    // Reached only outside CI (the line above throws under CI=true): no redis-server to start.
    describe.skip(`${name} (skipped: ${REDIS_MISSING})`, () => {});
    return;
  }
  afterAll(() => redis.stop());
  body(redis);
}
