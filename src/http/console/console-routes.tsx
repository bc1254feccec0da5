/** @jsxImportSource hono/jsx */
/**
 * The operator console (DESIGN.md section 9), mounted at /console. Pages read and act through
 * the app's own admin API (`api`), so the console shows exactly what the API answers.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import type { DeadLetterRow } from "../../core/postgres-rows.ts";
import type { AppDependencies } from "../ports.ts";
import { CONSOLE_CSS, CONSOLE_JS, FAVICON_SVG } from "./assets.ts";
import { ApiReferencePage } from "./api-reference-page.tsx";
import { consoleAuth, sameOrigin, type ConsoleEnv } from "./console-auth.ts";
import { OverviewPage } from "./overview-page.tsx";
import { ConfirmPage, DeadLettersPage, IngestPage, LedgerPage, LoginPage, NotFoundPage, type Confirmation } from "./pages.tsx";
import { PaymentPage } from "./payment-page.tsx";
import { pipelineFigures, type PipelineFigures } from "./pipeline.ts";
import { SESSION_COOKIE, SESSION_SECONDS } from "./session.ts";

export type ApiFetch = (request: Request) => Promise<Response>;

const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const DLQ_PAGE_LIMIT = 500;
const BULK_PREVIEW_LIMIT = 1_000;

export function consoleRoutes(deps: AppDependencies, api_fetch: ApiFetch) {
  const auth = consoleAuth(deps.admin_token, deps.now);
  const console_app = new Hono<ConsoleEnv>();

  const api = (c: Context, path: string, init: RequestInit = {}) =>
    api_fetch(
      new Request(new URL(path, c.req.url), {
        ...init,
        headers: { authorization: `Bearer ${deps.admin_token}`, ...(init.body ? { "content-type": "application/json" } : {}) },
      }),
    );
  const apiError = async (response: Response) => {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    return body?.error?.message ?? `HTTP ${response.status}`;
  };

  console_app.use(async (c, next) => {
    await next();
    c.header("content-security-policy", CONTENT_SECURITY_POLICY);
    c.header("x-content-type-options", "nosniff");
    // Not no-referrer: under it Chromium sends "Origin: null" on same-origin form posts.
    c.header("referrer-policy", "same-origin");
    c.header("x-frame-options", "DENY");
    if (!c.req.path.startsWith("/console/assets/")) c.header("cache-control", "no-store");
  });

  console_app.get("/assets/console.css", (c) => c.body(CONSOLE_CSS, 200, { "content-type": "text/css; charset=utf-8" }));
  console_app.get("/assets/console.js", (c) => c.body(CONSOLE_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
  console_app.get("/assets/favicon.svg", (c) => c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml" }));

  const safeNext = (next: unknown) => (typeof next === "string" && /^\/console(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/console");

  console_app.get("/login", (c) => c.html(<LoginPage error={null} next={safeNext(c.req.query("next"))} />));
  console_app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    if (auth.signer === null) return c.html(<LoginPage error="ADMIN_TOKEN is not configured, so the console is disabled." next={next} />, 503);
    const origin = c.req.header("origin");
    if (origin !== undefined && !sameOrigin(origin, c)) return c.html(<LoginPage error="Sign-in from another site is refused." next={next} />, 403);
    const token = typeof form.token === "string" ? form.token : "";
    if (token === "" || !(await auth.tokenMatches(token))) return c.html(<LoginPage error="That is not the admin token." next={next} />, 401);
    const secure = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
    setCookie(c, SESSION_COOKIE, await auth.signer.issue(deps.now()), { httpOnly: true, sameSite: "Strict", secure, path: "/console", maxAge: SESSION_SECONDS });
    return c.redirect(next, 303);
  });

  console_app.use("*", auth.require);

  console_app.post("/logout", async (c) => {
    await auth.checkForm(c, await c.req.parseBody());
    deleteCookie(c, SESSION_COOKIE, { path: "/console" });
    return c.redirect("/console/login", 303);
  });

  const figures = async (c: Context): Promise<PipelineFigures> => {
    const [metrics, health] = await Promise.all([api(c, "/metrics"), api(c, "/health")]);
    const scope = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers" ? "isolate" : "host";
    return pipelineFigures(await metrics.text(), (await health.json()) as PipelineFigures["health"], deps.now(), scope);
  };
  console_app.get("/", async (c) => c.html(<OverviewPage csrf={c.get("csrf")} figures={await figures(c)} />));
  console_app.get("/pipeline.json", async (c) => c.json(await figures(c)));

  console_app.get("/search", async (c) => {
    const query = (c.req.query("q") ?? "").trim();
    if (query !== "") {
      const direct = await api(c, `/payments/${encodeURIComponent(query)}`);
      if (direct.ok) return c.redirect(`/console/payments/${encodeURIComponent(query)}`, 303);
      // An event id (ours, or a provider's) is found through the dead letters that carry it.
      const letters = await api(c, `/dlq?limit=${BULK_PREVIEW_LIMIT}`);
      if (letters.ok) {
        const { dead_letters } = (await letters.json()) as { dead_letters: DeadLetterRow[] };
        const match = dead_letters.find((letter) => letter.event_id === query || (letter.source.kind === "webhook" && letter.source.provider_event_id === query));
        if (match) return c.redirect(`/console/payments/${encodeURIComponent(match.payment_id)}`, 303);
      }
    }
    return c.html(
      <NotFoundPage csrf={c.get("csrf")} title="No match" message={`No payment has the id “${query}”, and no dead letter carries it as an event id or provider event id. Payment ids of provider events are the provider's payment object id (Stripe pi_…, Adyen pspReference).`} />,
      404,
    );
  });

  console_app.get("/payments/:id", async (c) => {
    const id = c.req.param("id");
    const response = await api(c, `/payments/${encodeURIComponent(id)}`);
    if (response.status === 404) return c.html(<NotFoundPage csrf={c.get("csrf")} title={`Payment ${id}`} message={`No payment ${id} has been seen.`} />, 404);
    if (!response.ok) throw new Error(`GET /payments/${id} answered ${response.status}: ${await apiError(response)}`);
    const done = c.req.query("done");
    const notice = done ? `${done} (the page shows the payment as it is now; reload to follow).` : null;
    return c.html(<PaymentPage view={(await response.json()) as PaymentView} csrf={c.get("csrf")} notice={notice} />);
  });

  const confirmOrAct = async (c: Context<ConsoleEnv>, confirmation: Omit<Confirmation, "fields"> & { fields?: Record<string, string> }, act: () => Promise<Response>, done: (response: Response) => Promise<string>) => {
    const form = await c.req.parseBody();
    await auth.checkForm(c, form);
    if (form.confirm !== "yes") return c.html(<ConfirmPage csrf={c.get("csrf")} confirmation={{ fields: {}, ...confirmation }} />);
    const response = await act();
    if (!response.ok) return c.html(<NotFoundPage csrf={c.get("csrf")} title="Refused" message={await apiError(response)} />, response.status === 404 ? 404 : 400);
    return c.redirect(await done(response), 303);
  };

  for (const action of ["replay", "discard"] as const) {
    console_app.post(`/payments/:id/dlq/:eventId/${action}`, (c) => {
      const { id, eventId } = c.req.param();
      const path = `/payments/${encodeURIComponent(id)}/dlq/${encodeURIComponent(eventId)}`;
      const page = `/console/payments/${encodeURIComponent(id)}`;
      return confirmOrAct(
        c,
        {
          title: action === "replay" ? "Replay this dead letter?" : "Discard this dead letter?",
          consequence:
            action === "replay"
              ? `Event ${eventId} of payment ${id} goes back to the payment's inbox and is applied in order, once.`
              : `Event ${eventId} of payment ${id} will never be applied. The dead letter stays in Postgres marked discarded.`,
          action: `${page}/dlq/${encodeURIComponent(eventId)}/${action}`,
          button: action === "replay" ? "Replay" : "Discard",
          cancel_href: page,
          danger: action === "discard",
        },
        () => api(c, action === "replay" ? `${path}/replay` : path, { method: action === "replay" ? "POST" : "DELETE" }),
        async () => `${page}?done=${encodeURIComponent(action === "replay" ? `Replay of ${eventId} requested` : `${eventId} discarded`)}`,
      );
    });
  }

  console_app.post("/payments/:id/fraud/override", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const decision = String(form.decision ?? "");
    const note = String(form.note ?? "");
    const page = `/console/payments/${encodeURIComponent(id)}`;
    return confirmOrAct(
      c,
      {
        title: `Override the fraud decision with ${decision}?`,
        consequence: `Payment ${id}'s fraud decision becomes “${decision}”${note ? ` with the note “${note}”` : ""}; the rules' decision is kept beside it. Events dead-lettered while the payment was blocked (payment_blocked) stay in the DLQ until you replay them.`,
        action: `${page}/fraud/override`,
        fields: { decision, note },
        button: `Override with ${decision}`,
        cancel_href: page,
        danger: decision !== "block",
      },
      () => api(c, `/payments/${encodeURIComponent(id)}/fraud/override`, { method: "POST", body: JSON.stringify({ decision, note: note === "" ? null : note }) }),
      async () => `${page}?done=${encodeURIComponent(`Fraud decision overridden with ${decision}`)}`,
    );
  });

  console_app.get("/dlq", async (c) => {
    const query = { reason: c.req.query("reason") ?? "", stage: c.req.query("stage") ?? "", since: c.req.query("since") ?? "", status: c.req.query("status") ?? "" };
    const parameters = new URLSearchParams({ limit: String(DLQ_PAGE_LIMIT) });
    for (const name of ["reason", "since", "status"] as const) if (query[name] !== "") parameters.set(name, query[name]);
    const response = await api(c, `/dlq?${parameters}`);
    const error = response.ok ? null : await apiError(response);
    const letters = response.ok ? ((await response.json()) as { dead_letters: DeadLetterRow[] }).dead_letters.filter((letter) => query.stage === "" || letter.stage === query.stage) : null;
    return c.html(<DeadLettersPage csrf={c.get("csrf")} query={query} letters={letters} error={error} notice={c.req.query("done") ?? null} limit={DLQ_PAGE_LIMIT} />, response.ok ? 200 : 400);
  });

  console_app.post("/dlq/replay", async (c) => {
    const form = await c.req.parseBody();
    const filter: Record<string, string> = {};
    for (const name of ["reason", "since"]) if (typeof form[name] === "string" && form[name] !== "") filter[name] = form[name] as string;
    const preview = await api(c, `/dlq?${new URLSearchParams({ ...filter, status: "pending", limit: String(BULK_PREVIEW_LIMIT) })}`);
    if (!preview.ok) {
      await auth.checkForm(c, form);
      return c.html(<NotFoundPage csrf={c.get("csrf")} title="Refused" message={await apiError(preview)} />, 400);
    }
    const matched = ((await preview.json()) as { count: number }).count;
    const described = Object.entries(filter).map(([name, value]) => `${name} ${value}`).join(", ") || "no filter";
    return confirmOrAct(
      c,
      {
        title: `Replay ${matched} dead letter${matched === 1 ? "" : "s"}?`,
        consequence: `${matched} pending dead letter${matched === 1 ? "" : "s"} match (${described}${matched === BULK_PREVIEW_LIMIT ? `; at most ${BULK_PREVIEW_LIMIT} per run` : ""}). Each goes back to its payment's inbox and is applied in order, once.`,
        action: "/console/dlq/replay",
        fields: filter,
        button: `Replay ${matched}`,
        cancel_href: "/console/dlq",
      },
      () => api(c, "/dlq/replay", { method: "POST", body: JSON.stringify({ ...filter, limit: BULK_PREVIEW_LIMIT }) }),
      async (response) => {
        const result = (await response.json()) as { matched: number; replayed: number; not_found: number };
        return `/console/dlq?done=${encodeURIComponent(`Replay requested for ${result.replayed} of ${result.matched} (${result.not_found} already gone).`)}`;
      },
    );
  });

  console_app.get("/ledger", async (c) => {
    const currency = (c.req.query("currency") ?? "USD").toUpperCase();
    const response = await api(c, `/ledger/accounts?currency=${encodeURIComponent(currency)}`);
    if (!response.ok) return c.html(<LedgerPage csrf={c.get("csrf")} currency={currency} accounts={null} error={await apiError(response)} />, 400);
    // Balances may pass 2^53: keep long integers exact as strings before JSON.parse.
    const text = (await response.text()).replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"');
    const { accounts } = JSON.parse(text) as { accounts: Parameters<typeof LedgerPage>[0]["accounts"] };
    return c.html(<LedgerPage csrf={c.get("csrf")} currency={currency} accounts={accounts} error={null} />);
  });

  console_app.get("/ingest", async (c) => {
    const [ignored, kafka] = await Promise.all([api(c, "/webhooks/ignored?limit=100"), api(c, "/kafka/consumers")]);
    return c.html(
      <IngestPage
        csrf={c.get("csrf")}
        ignored={ignored.ok ? ((await ignored.json()) as { ignored: [] }).ignored : null}
        kafka={kafka.ok ? await kafka.json() : null}
      />,
    );
  });

  console_app.get("/api", (c) => c.html(<ApiReferencePage csrf={c.get("csrf")} />));

  return console_app;
}
