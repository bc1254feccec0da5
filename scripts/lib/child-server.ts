/** Starts a server script as a child process on a free loopback port and waits until it answers. */
import type { Subprocess } from "bun";

export interface ChildServer {
  url: string;
  process: Subprocess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export async function startChildServer(
  script: string,
  env: Record<string, string>,
  options: {
    ready_path?: string;
    timeout_ms?: number;
    /**
     * A benchmark's target: if it dies before stop(), say so and exit this process, instead of
     * sending into nothing until a timeout (a host that crashed mid-sweep once kept a
     * benchmark busy for 17 minutes).
     */
    exit_if_it_dies?: boolean;
  } = {},
): Promise<ChildServer> {
  const port = await freePort();
  let output = "";
  const child = Bun.spawn([process.execPath, "run", script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  void collect(child.stdout as ReadableStream<Uint8Array>);
  void collect(child.stderr as ReadableStream<Uint8Array>);
  let stopping = false;
  if (options.exit_if_it_dies) {
    void child.exited.then((code) => {
      if (stopping) return;
      console.error(`${script} exited (${code ?? child.signalCode}) before it was stopped; its last output:\n${output.slice(-4_000)}`);
      process.exit(1);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeout_ms ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(url + (options.ready_path ?? "/health"));
      if (response.status < 500 || options.ready_path === undefined) break;
    } catch {}
    await Bun.sleep(100);
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await child.exited;
    },
  };
}
