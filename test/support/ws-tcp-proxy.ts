/**
 * A WebSocket-to-TCP proxy in the manner of Neon's wsproxy, so that Neon's serverless driver
 * can be tested against a local Postgres. Each WebSocket on `/v1` becomes one TCP connection
 * to `target`; the `?address=host:port` the driver sends is accepted and ignored.
 */
import type { Socket } from "bun";

export interface WsTcpProxy {
  port: number;
  stop(): void;
}

interface Pipe {
  tcp: Socket | null;
  /** Bytes from the WebSocket that the TCP socket has not taken yet. */
  waiting: Uint8Array[];
  closed: boolean;
}

export async function startWsTcpProxy(target: { host: string; port: number }): Promise<WsTcpProxy> {
  const pipes = new Set<Pipe>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, server) {
      if (new URL(request.url).pathname !== "/v1") return new Response("not found", { status: 404 });
      const pipe: Pipe = { tcp: null, waiting: [], closed: false };
      if (server.upgrade(request, { data: pipe })) return undefined;
      return new Response("expected a WebSocket upgrade", { status: 426 });
    },
    websocket: {
      data: {} as Pipe,
      open(ws) {
        const pipe = ws.data;
        pipes.add(pipe);
        Bun.connect({
          hostname: target.host,
          port: target.port,
          socket: {
            data: (_socket, bytes) => void ws.send(bytes),
            drain: () => flush(pipe),
            close: () => ws.close(),
            error: () => ws.close(),
          },
        }).then(
          (tcp) => {
            if (pipe.closed) return void tcp.end();
            pipe.tcp = tcp;
            flush(pipe);
          },
          () => ws.close(1011, "cannot reach the database"),
        );
      },
      message(ws, message) {
        ws.data.waiting.push(typeof message === "string" ? new TextEncoder().encode(message) : message);
        flush(ws.data);
      },
      close(ws) {
        ws.data.closed = true;
        ws.data.tcp?.end();
        pipes.delete(ws.data);
      },
    },
  });
  return {
    port: server.port!,
    stop() {
      for (const pipe of pipes) pipe.tcp?.end();
      void server.stop(true);
    },
  };
}

/** `write` may take only part of a chunk; the rest waits for `drain`. */
function flush(pipe: Pipe): void {
  const tcp = pipe.tcp;
  if (tcp === null) return;
  while (pipe.waiting.length > 0) {
    const chunk = pipe.waiting[0]!;
    const written = tcp.write(chunk);
    if (written < chunk.length) {
      pipe.waiting[0] = chunk.subarray(Math.max(0, written));
      return;
    }
    pipe.waiting.shift();
  }
}
