/** @jsxImportSource hono/jsx */
/** The page shell every console page shares: header, navigation, search, sign-out. */
import type { Child } from "hono/jsx";

export type Section = "overview" | "payment" | "dlq" | "ledger" | "kafka" | "api" | "login";

export interface PageProps {
  title: string;
  section: Section;
  /** null on the sign-in page (no session yet). */
  csrf: string | null;
  children?: Child;
  scripts?: string[];
}

const NAVIGATION: Array<[Section, string, string]> = [
  ["overview", "/console", "Pipeline"],
  ["dlq", "/console/dlq", "Dead letters"],
  ["ledger", "/console/ledger", "Ledger"],
  ["kafka", "/console/ingest", "Ingest"],
  ["api", "/console/api", "API reference"],
];

export function Page(props: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · payment-actors console`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml" />
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/console">
            payment-actors <span>console</span>
          </a>
          {props.csrf !== null && (
            <>
              <nav aria-label="Console sections">
                <ul>
                  {NAVIGATION.map(([section, href, label]) => (
                    <li>
                      <a href={href} aria-current={section === props.section ? "page" : undefined}>
                        {label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              <form class="search" method="get" action="/console/search" role="search">
                <label for="search-q" class="visually-hidden">
                  Payment id or event id
                </label>
                <input id="search-q" name="q" type="search" placeholder="pay_… / pi_… / pspReference / event id" required maxlength={200} />
                <button type="submit">Find</button>
              </form>
              <form method="post" action="/console/logout" class="logout">
                <input type="hidden" name="csrf" value={props.csrf} />
                <button type="submit" class="quiet">
                  Sign out
                </button>
              </form>
            </>
          )}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** An amount of minor units, written exactly (no float), with its currency. */
export function Money(props: { amount: number | bigint | string; currency: string | null }) {
  return (
    <span class="money">
      {String(props.amount)}
      {props.currency && <span class="currency"> {props.currency}</span>}
    </span>
  );
}

export function Badge(props: { tone: "ok" | "warn" | "bad" | "info" | "muted"; children?: Child }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

export function Empty(props: { children?: Child }) {
  return <p class="empty">{props.children}</p>;
}

export function ErrorNotice(props: { title: string; message: string }) {
  return (
    <div class="notice bad" role="alert">
      <strong>{props.title}</strong> {props.message}
    </div>
  );
}
