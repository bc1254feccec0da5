/**
 * The Upstash Redis REST protocol (https://upstash.com/docs/redis/features/restapi) in front
 * of a real Redis, for development and tests: what `@upstash/redis` speaks, served on
 * loopback with no cloud account.
 *
 *   POST /                 one command as a JSON array: ["ZADD", "k", 1, "m"]
 *   GET|POST /cmd/a/b      one command in the path; a POST body is appended as the last
 *                          argument, query parameters after it (as Upstash does)
 *   POST /pipeline         [[...], [...]]: one result per command, not atomic
 *   POST /multi-exec       [[...], [...]]: MULTI ... EXEC, atomic
 *
 * Answers as Upstash documents them: `{"result": ...}` or `{"error": "..."}`; 200, 400 (a
 * syntax error, an unsupported command, or the command failed), 401 (token missing or
 * wrong), 405 (a method other than HEAD, GET, POST, PUT). With `Upstash-Encoding: base64`
 * every string in a result is base64, except the simple reply "OK". One case Upstash does
 * not document: when this server cannot reach its Redis it answers 503 with an error
 * starting "UNAVAILABLE", so a client can tell an outage from a failed command.
 */
import { timingSafeEqual } from "node:crypto";
import { RedisUnreachableError, type RedisConnection } from "./redis-connection.ts";
import { ErrorReply, SimpleString, type Reply } from "./resp.ts";

const REQUEST_BYTES_MAX = 1024 * 1024;

/**
 * Commands refused because they would change or block the one connection every request
 * shares (Upstash refuses or routes these separately too).
 */
const REFUSED_COMMANDS = new Set([
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "AUTH", "HELLO", "QUIT", "RESET",
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
  "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX", "BLMPOP", "BZMPOP", "XREAD", "XREADGROUP",
  "WAIT", "WAITAOF", "CLIENT", "SHUTDOWN", "DEBUG", "REPLICAOF", "SLAVEOF", "SYNC", "PSYNC",
]);

const ALLOWED_METHODS = new Set(["HEAD", "GET", "POST", "PUT"]);

type Command = string[];

class BadRequest extends Error {}

export interface RestHandlerOptions {
  redis: RedisConnection;
  token: string;
  /**
   * Called once per request that reached Redis, with "/pipeline", "/multi-exec" or the one
   * command's name ("EVALSHA"): lets tests and the bench count round trips.
   */
  onRequest?: (what: string, commands: number) => void;
}

export function createRestHandler(options: RestHandlerOptions): (request: Request) => Promise<Response> {
  const token = Buffer.from(options.token);
  return async (request) => {
    if (!ALLOWED_METHODS.has(request.method)) {
      return answer(405, { error: `ERR method ${request.method} is not allowed; use HEAD, GET, POST or PUT` });
    }
    const url = new URL(request.url);
    if (!authorized(request, url, token)) return answer(401, { error: "Unauthorized" });
    const base64 = request.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    try {
      const body = await readBody(request);
      const path = url.pathname.replace(/\/+$/, "");
      if (path === "/pipeline" || path === "/multi-exec") {
        const commands = parseCommands(body);
        options.onRequest?.(path, commands.length);
        return path === "/pipeline"
          ? await pipeline(options.redis, commands, base64)
          : await transaction(options.redis, commands, base64);
      }
      const command = path === "" ? parseCommand(jsonBody(body), "the body") : pathCommand(path, url, body);
      options.onRequest?.(command[0]!.toUpperCase(), 1);
      refuseUnsupported(command);
      const [reply] = await options.redis.send([command]);
      if (reply instanceof ErrorReply) return answer(400, { error: reply.message });
      return answer(200, { result: toJson(reply!, base64) });
    } catch (error) {
      if (error instanceof BadRequest) return answer(400, { error: error.message });
      if (error instanceof RedisUnreachableError) return answer(503, { error: `UNAVAILABLE ${error.message}` });
      throw error;
    }
  };
}

async function pipeline(redis: RedisConnection, commands: Command[], base64: boolean): Promise<Response> {
  commands.forEach(refuseUnsupported);
  const replies = await redis.send(commands);
  return answer(200, replies.map((reply) => item(reply, base64)));
}

async function transaction(redis: RedisConnection, commands: Command[], base64: boolean): Promise<Response> {
  commands.forEach(refuseUnsupported);
  const replies = await redis.send([["MULTI"], ...commands, ["EXEC"]]);
  const exec = replies[replies.length - 1]!;
  // A command refused while queueing (a syntax error) aborts the whole transaction.
  if (exec instanceof ErrorReply) {
    const queued = replies.slice(1, -1).find((reply) => reply instanceof ErrorReply) as ErrorReply | undefined;
    return answer(400, { error: queued ? `${exec.message}: ${queued.message}` : exec.message });
  }
  if (!Array.isArray(exec)) return answer(400, { error: "ERR transaction was aborted" });
  return answer(200, exec.map((reply) => item(reply, base64)));
}

function item(reply: Reply, base64: boolean): { result: unknown } | { error: string } {
  return reply instanceof ErrorReply ? { error: reply.message } : { result: toJson(reply, base64) };
}

function toJson(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (reply instanceof SimpleString) return base64 && reply.value !== "OK" ? Buffer.from(reply.value).toString("base64") : reply.value;
  if (reply instanceof ErrorReply) return reply.message;
  if (reply instanceof Uint8Array) return base64 ? Buffer.from(reply).toString("base64") : new TextDecoder().decode(reply);
  return reply.map((inner) => toJson(inner, base64));
}

function authorized(request: Request, url: URL, token: Buffer): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer (.+)$/i.exec(header.trim());
  const given = Buffer.from(match?.[1] ?? url.searchParams.get("_token") ?? "");
  return given.length === token.length && timingSafeEqual(given, token);
}

async function readBody(request: Request): Promise<string> {
  const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  if (Buffer.byteLength(text) > REQUEST_BYTES_MAX) throw new BadRequest(`ERR max request size exceeded (${REQUEST_BYTES_MAX} bytes)`);
  return text;
}

function jsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BadRequest("ERR failed to parse the request body: a JSON array is expected, e.g. [\"GET\", \"key\"]");
  }
}

function parseCommands(body: string): Command[] {
  const input = jsonBody(body);
  if (!Array.isArray(input) || input.length === 0) {
    throw new BadRequest("ERR the body must be a non-empty array of commands, e.g. [[\"SET\", \"k\", \"v\"], [\"GET\", \"k\"]]");
  }
  return input.map((command, index) => parseCommand(command, `command ${index}`));
}

function parseCommand(input: unknown, where: string): Command {
  if (!Array.isArray(input) || input.length === 0) {
    throw new BadRequest(`ERR ${where} must be a non-empty array: the command name, then its arguments`);
  }
  return input.map((arg, index) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" && Number.isFinite(arg)) return String(arg);
    if (typeof arg === "boolean") return String(arg);
    throw new BadRequest(`ERR ${where}, argument ${index}: must be a string or a number, got ${JSON.stringify(arg)}`);
  });
}

function pathCommand(path: string, url: URL, body: string): Command {
  const command = path.split("/").slice(1).map((part) => decodeURIComponent(part));
  if (body !== "") command.push(body);
  for (const [name, value] of url.searchParams) {
    if (name === "_token") continue;
    command.push(name);
    if (value !== "") command.push(value);
  }
  return command;
}

function refuseUnsupported(command: Command): void {
  const name = command[0]!.toUpperCase();
  if (REFUSED_COMMANDS.has(name)) throw new BadRequest(`ERR Command is not available: '${command[0]}'`);
}

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
