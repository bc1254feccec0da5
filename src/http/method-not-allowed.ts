/**
 * 405 with `Allow` for a path some route serves under other methods (RFC 9110 section 15.5.6),
 * instead of a 404 that says the path does not exist. Middleware (method ALL) is not a route.
 */

interface RouteShape {
  method: string;
  path: string;
}

/** Returns the methods that serve `path`, in a stable order (GET implies HEAD, as Hono serves it). */
export function allowedMethods(routes: readonly RouteShape[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    if (!patternOf(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods].sort(byConventionalOrder);
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function byConventionalOrder(left: string, right: string): number {
  return ORDER.indexOf(left) - ORDER.indexOf(right);
}

const patterns = new Map<string, RegExp>();

function patternOf(route_path: string): RegExp {
  let pattern = patterns.get(route_path);
  if (pattern === undefined) {
    const source = route_path
      .split("/")
      .map((segment) => (segment === "*" ? ".*" : segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    pattern = new RegExp(`^${source}/?$`);
    patterns.set(route_path, pattern);
  }
  return pattern;
}

