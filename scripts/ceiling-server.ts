/** The benchmark's ceiling: a bare Bun.serve that parses the JSON body and answers 202. */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    const event = (await request.json()) as { id?: string };
    return Response.json({ status: "accepted", id: event.id }, { status: 202 });
  },
});
console.log(`listening on http://127.0.0.1:${server.port}`);
