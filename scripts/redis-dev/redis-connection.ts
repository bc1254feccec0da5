/**
 * One TCP connection to a real Redis, speaking RESP2 over node:net. A batch of commands is
 * written in one piece and its replies come back in order; batches from concurrent callers
 * never interleave, because Redis answers one connection's commands in the order sent and
 * each batch is written whole. The connection is opened on first use and again after it
 * breaks; a broken connection fails every batch waiting on it with RedisUnreachableError.
 *
 * Why not an npm client: this server needs the raw replies (bulk strings as bytes, simple
 * strings apart from bulk ones, error replies as values inside EXEC and pipelines) to answer
 * exactly as Upstash does; clients decode or throw those away, and RESP2 is ~100 lines.
 */
import { createConnection, type Socket } from "node:net";
import { encodeCommand, ErrorReply, parseReply, type Reply } from "./resp.ts";

export class RedisUnreachableError extends Error {
  override readonly name = "RedisUnreachableError";
}

interface Waiting {
  count: number;
  replies: Reply[];
  resolve(replies: Reply[]): void;
  reject(error: Error): void;
}

const REDIS_CONNECT_TIMEOUT_MS = 2_000;

export class RedisConnection {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: Waiting[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly setup: string[][];

  constructor(readonly url: string) {
    const parsed = new URL(url);
    if (parsed.protocol !== "redis:") throw new Error(`REDIS_URL must be a redis:// URL, got "${url}"`);
    this.host = parsed.hostname || "127.0.0.1";
    this.port = Number(parsed.port || 6379);
    this.setup = [];
    const password = decodeURIComponent(parsed.password);
    const user = decodeURIComponent(parsed.username);
    if (password) this.setup.push(user ? ["AUTH", user, password] : ["AUTH", password]);
    const database = parsed.pathname.replace(/^\//, "");
    if (database) this.setup.push(["SELECT", database]);
  }

  /** Sends the commands as one write and resolves with their replies, in order. */
  send(commands: readonly (readonly (string | Uint8Array)[])[]): Promise<Reply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    const socket = this.connected();
    return new Promise<Reply[]>((resolve, reject) => {
      this.waiting.push({ count: commands.length, replies: [], resolve, reject });
      socket.write(Buffer.concat(commands.map((command) => encodeCommand(command))));
    });
  }

  close(): void {
    this.socket?.destroy();
    this.fail(new RedisUnreachableError("connection closed"));
  }

  private connected(): Socket {
    if (this.socket !== null) return this.socket;
    const socket = createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.setTimeout(REDIS_CONNECT_TIMEOUT_MS);
    socket.once("connect", () => socket.setTimeout(0));
    socket.on("timeout", () => socket.destroy(new Error(`no connection within ${REDIS_CONNECT_TIMEOUT_MS} ms`)));
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", (error) => this.broken(socket, error));
    socket.on("close", () => this.broken(socket, new Error("connection closed by Redis")));
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    if (this.setup.length > 0) {
      this.waiting.push({
        count: this.setup.length,
        replies: [],
        resolve: (replies) => {
          const refused = replies.find((reply) => reply instanceof ErrorReply);
          if (refused) socket.destroy(new Error(`Redis refused the connection setup: ${refused.message}`));
        },
        reject: () => {},
      });
      socket.write(Buffer.concat(this.setup.map((command) => encodeCommand(command))));
    }
    return socket;
  }

  private received(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const head = this.waiting[0];
        if (head === undefined) break;
        const parsed = parseReply(this.buffer, offset);
        if (parsed === null) break;
        offset = parsed.next;
        head.replies.push(parsed.reply);
        if (head.replies.length === head.count) {
          this.waiting.shift();
          head.resolve(head.replies);
        }
      }
    } catch (error) {
      this.socket?.destroy(error as Error);
      return;
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private broken(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.fail(new RedisUnreachableError(`redis at ${this.host}:${this.port}: ${error.message}`));
  }

  private fail(error: Error): void {
    for (const waiting of this.waiting.splice(0)) waiting.reject(error);
  }
}
