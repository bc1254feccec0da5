/**
 * A lean HTTP/1.1 client for the benchmark's load generator: keep-alive connections over
 * Bun.connect, one request in flight on each, requests written as prepared bytes. It exists
 * because the load generator shares the host's two cores: fetch() spent about 80 µs of CPU
 * a request here, this about a fifth of that, so the host is measured with more of the
 * machine, as it would be with its senders elsewhere. Only what the benchmark needs: POST,
 * responses with Content-Length.
 */
import type { Socket } from "bun";

export interface Http1Response {
  status: number;
  text: string;
}

interface Pending {
  bytes: Uint8Array;
  resolve: (response: Http1Response) => void;
  reject: (error: Error) => void;
}

interface Connection {
  socket: Socket<Connection> | null;
  in_flight: Pending | null;
  buffer: Buffer;
  closed: boolean;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const encoder = new TextEncoder();

export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly queue: Pending[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly authority: string;
  private open = 0;

  constructor(
    url: string,
    // An open loop at 10,000 requests/s with answers taking 25 ms needs 250 in flight; with 256
    // connections the generator queued the rest itself and the host never saw its overload.
    private readonly connections_max = 1024,
  ) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port || 80);
    this.authority = parsed.host;
  }

  /** The request's bytes, built once (the benchmark prepares every request before timing). */
  prepare(path: string, headers: Record<string, string>, body: string): Uint8Array {
    const body_bytes = encoder.encode(body);
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.authority}\r\ncontent-length: ${body_bytes.length}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const head_bytes = encoder.encode(head + "\r\n");
    const bytes = new Uint8Array(head_bytes.length + body_bytes.length);
    bytes.set(head_bytes, 0);
    bytes.set(body_bytes, head_bytes.length);
    return bytes;
  }

  send(bytes: Uint8Array): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      this.dispatch();
    });
  }

  close(): void {
    for (const connection of this.idle) connection.socket?.end();
    this.idle.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const connection = this.idle.pop();
      if (connection === undefined) {
        if (this.open < this.connections_max) this.connect();
        return;
      }
      this.start(connection, this.queue.shift()!);
    }
  }

  private start(connection: Connection, pending: Pending): void {
    connection.in_flight = pending;
    connection.socket!.write(pending.bytes);
  }

  private connect(): void {
    this.open += 1;
    const connection: Connection = { socket: null, in_flight: null, buffer: Buffer.alloc(0), closed: false };
    const pool = this;
    void Bun.connect<Connection>({
      hostname: this.host,
      port: this.port,
      data: connection,
      socket: {
        open(socket) {
          connection.socket = socket;
          pool.released(connection);
        },
        data(_socket, chunk) {
          pool.received(connection, chunk);
        },
        close() {
          pool.lost(connection, new Error("connection closed"));
        },
        error(_socket, error) {
          pool.lost(connection, error);
        },
        connectError(_socket, error) {
          pool.lost(connection, error);
        },
      },
    }).catch((error: Error) => this.lost(connection, error));
  }

  private released(connection: Connection): void {
    const next = this.queue.shift();
    if (next !== undefined) this.start(connection, next);
    else this.idle.push(connection);
  }

  private received(connection: Connection, chunk: Buffer): void {
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    const response = parseResponse(connection.buffer);
    if (response === null) return;
    connection.buffer = connection.buffer.subarray(response.length);
    const pending = connection.in_flight;
    connection.in_flight = null;
    pending?.resolve({ status: response.status, text: response.text });
    this.released(connection);
  }

  /** A connection closed or failed: its request fails (an open loop never resends), and it is gone from the pool. */
  private lost(connection: Connection, error: Error): void {
    if (connection.closed) return;
    connection.closed = true;
    this.open -= 1;
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    const pending = connection.in_flight;
    connection.in_flight = null;
    pending?.reject(error);
    if (this.queue.length > 0) this.dispatch();
  }
}

/** One whole response at the start of `buffer` (Content-Length or chunked), or null while it is still arriving. */
function parseResponse(buffer: Buffer): { status: number; text: string; length: number } | null {
  const header_end = buffer.indexOf(HEADER_END);
  if (header_end < 0) return null;
  const head = buffer.toString("latin1", 0, header_end);
  const status = Number(head.slice(9, 12));
  const body_start = header_end + 4;
  const length_match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length_match !== null || !/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = body_start + (length_match === null ? 0 : Number(length_match[1]));
    return buffer.length < end ? null : { status, text: buffer.toString("utf8", body_start, end), length: end };
  }
  const parts: Buffer[] = [];
  let at = body_start;
  for (;;) {
    const line_end = buffer.indexOf("\r\n", at);
    if (line_end < 0) return null;
    const size = Number.parseInt(buffer.toString("latin1", at, line_end), 16);
    const data_end = line_end + 2 + size;
    if (buffer.length < data_end + 2) return null;
    if (size === 0) return { status, text: Buffer.concat(parts).toString("utf8"), length: data_end + 2 };
    parts.push(buffer.subarray(line_end + 2, data_end));
    at = data_end + 2;
  }
}
