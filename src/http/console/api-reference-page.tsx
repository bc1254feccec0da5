/** @jsxImportSource hono/jsx */
/** GET /console/api: GET /openapi.json made readable. */
import { OPENAPI_DOCUMENT } from "../openapi/openapi-document.ts";
import { Page } from "./layout.tsx";

interface Operation {
  summary: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string }>;
}

export function ApiReferencePage(props: { csrf: string }) {
  const paths = OPENAPI_DOCUMENT.paths as unknown as Record<string, Record<string, Operation>>;
  return (
    <Page title="API reference" section="api" csrf={props.csrf}>
      <h1>
        API reference <span class="count">OpenAPI {OPENAPI_DOCUMENT.openapi}, machine-readable at <a href="/openapi.json">/openapi.json</a></span>
      </h1>
      <section>
        {Object.entries(paths).flatMap(([path, operations]) =>
          Object.entries(operations).map(([method, operation]) => (
            <div class="route">
              <h3>
                <span class="method">{method.toUpperCase()}</span> <code>{path}</code> <span class="muted">{operation.summary}</span>
              </h3>
              <p class="muted">{operation.security === undefined || operation.security.length === 0 ? "no authentication" : `auth: ${operation.security.map((item) => Object.keys(item as object).join("+")).join(" or ")}`}</p>
              {operation.requestBody && (
                <pre>{Object.entries(operation.requestBody.content).map(([type, { schema }]) => `${type}: ${JSON.stringify(schema)}`).join("\n")}</pre>
              )}
              <table>
                <thead><tr><th scope="col">Status</th><th scope="col">Meaning</th></tr></thead>
                <tbody>
                  {Object.entries(operation.responses).map(([status, response]) => (
                    <tr><td class="num">{status}</td><td>{response.description}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          )),
        )}
      </section>
    </Page>
  );
}
