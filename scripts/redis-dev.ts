/**
 * `npm run redis:dev` (DESIGN.md section 10): the Upstash Redis REST protocol on
 * 127.0.0.1:${REDIS_DEV_PORT:-8079}, in front of the Redis at ${REDIS_URL:-redis://127.0.0.1:6379},
 * with the bearer token ${REDIS_DEV_TOKEN} (generated and printed when unset).
 */
import { integerVariable } from "../src/core/config.ts";
import { startRedisRestServer } from "./redis-dev/rest-server.ts";

const port = integerVariable(process.env, "REDIS_DEV_PORT", 8079, { min: 0, max: 65535 });
if (!port.ok) {
  console.error(port.error.message);
  process.exit(1);
}
const redis_url = process.env.REDIS_URL?.trim() || "redis://127.0.0.1:6379";
if (!/^redis:\/\/\S+$/.test(redis_url)) {
  console.error(`REDIS_URL must be a redis:// URL, got "${redis_url}"`);
  process.exit(1);
}
const given_token = process.env.REDIS_DEV_TOKEN?.trim() ?? "";
const token = given_token || `dev_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}`;

let server;
try {
  server = startRedisRestServer({ redis_url, token, port: port.value });
} catch (error) {
  console.error(`REDIS_DEV_PORT ${port.value}: cannot listen: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`Upstash Redis REST protocol on ${server.url}, in front of ${redis_url}`);
console.log(`  UPSTASH_REDIS_REST_URL=${server.url}`);
console.log(`  UPSTASH_REDIS_REST_TOKEN=${given_token ? "(REDIS_DEV_TOKEN)" : token}`);
const shutdown = () => void server.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
