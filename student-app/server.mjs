// Serves the built student app (dist/) and, on the same origin, Directus and the worker:
//   /directus/...  -> DIRECTUS_URL (REST, GraphQL, auth, and the realtime websocket)
//   /worker/...    -> PATHWISE_WORKER_URL (POST /v1/attempts)
//   /config.json   -> where the app finds them (the paths above, unless overridden)
// One origin means the browser needs no CORS: Directus and the worker keep their defaults,
// and no request pays for a preflight. Proxying (HTTP and the realtime websocket) is
// http-proxy-3's, static files sirv's; this file only routes and reports outages.
//
// Environment:
//   STUDENT_APP_PORT (8057), STUDENT_APP_HOST (127.0.0.1), DIRECTUS_URL (http://127.0.0.1:8055),
//   PATHWISE_WORKER_URL (http://127.0.0.1:8056), STUDENT_APP_DIST (./dist),
//   STUDENT_APP_DIRECTUS_PUBLIC_URL / STUDENT_APP_WORKER_PUBLIC_URL: what config.json tells
//   the app instead of the proxied paths (for a deployment where the browser talks to
//   Directus and the worker directly, with CORS).
import { existsSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProxyServer } from "http-proxy-3";
import sirv from "sirv";

const here = fileURLToPath(new URL(".", import.meta.url));
const port = Number(process.env.STUDENT_APP_PORT ?? 8057);
const host = process.env.STUDENT_APP_HOST ?? "127.0.0.1";
const dist = resolve(process.env.STUDENT_APP_DIST ?? join(here, "dist"));
const upstreams = {
  "/directus": new URL(process.env.DIRECTUS_URL ?? "http://127.0.0.1:8055"),
  "/worker": new URL(
    process.env.PATHWISE_WORKER_URL ?? "http://127.0.0.1:8056",
  ),
};
const config = {
  directusUrl: process.env.STUDENT_APP_DIRECTUS_PUBLIC_URL ?? "/directus",
  workerUrl: process.env.STUDENT_APP_WORKER_PUBLIC_URL ?? "/worker",
};

/** The upstream for a request path, and the path to ask it for. */
function route(url) {
  for (const [prefix, upstream] of Object.entries(upstreams)) {
    if (
      url === prefix ||
      url.startsWith(`${prefix}/`) ||
      url.startsWith(`${prefix}?`)
    ) {
      const rest = url.slice(prefix.length) || "/";
      const base = upstream.pathname.replace(/\/$/, "");
      return {
        upstream,
        path: base + (rest.startsWith("/") ? rest : `/${rest}`),
        prefix,
      };
    }
  }
  return null;
}

function unavailable(res, prefix, error) {
  const what = prefix === "/worker" ? "the Pathwise worker" : "Directus";
  if (res.headersSent) return res.destroy();
  const detail = `${what} cannot be reached (${error.code ?? error.message})`;
  if (prefix === "/worker") {
    // In the worker's own error format (RFC 9457).
    res.writeHead(502, { "content-type": "application/problem+json" });
    res.end(
      JSON.stringify({
        type: "about:blank",
        title: "Bad Gateway",
        status: 502,
        kind: "worker-unreachable",
        detail,
      }),
    );
  } else {
    // In Directus' error format, so that its SDK reads it as an error.
    res.writeHead(502, { "content-type": "application/json; charset=utf-8" });
    res.end(
      JSON.stringify({
        errors: [
          { message: detail, extensions: { code: "SERVICE_UNAVAILABLE" } },
        ],
      }),
    );
  }
}

const proxy = createProxyServer({ changeOrigin: true });
// Errors no call's own callback took (a websocket reset when a browser goes away): close
// that connection, never the server (http-proxy-3 throws when nobody listens).
proxy.on("error", (error, req, resOrSocket) => {
  if (resOrSocket instanceof http.ServerResponse) {
    unavailable(resOrSocket, req.proxiedPrefix ?? "/directus", error);
  } else resOrSocket?.destroy?.();
});

/** Forwards a request to its upstream, at the path without the app's prefix. */
function forward(req, res, target) {
  req.proxiedPrefix = target.prefix;
  req.url = target.path;
  proxy.web(req, res, { target: target.upstream.origin }, (error) =>
    unavailable(res, target.prefix, error),
  );
}

// The built app: hashed assets cached for good, index.html for every other path (the app
// routes in the browser).
const files = sirv(dist, {
  single: true,
  etag: true,
  setHeaders(res, pathname) {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader(
      "cache-control",
      pathname.startsWith("/assets/")
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    );
  },
});

function serveFile(req, res) {
  if (!existsSync(join(dist, "index.html"))) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(
      `the student app is not built: ${dist} has no index.html (npm run build)`,
    );
    return;
  }
  files(req, res, () => res.writeHead(404).end());
}

const server = http.createServer((req, res) => {
  const target = route(req.url ?? "/");
  if (target) return forward(req, res, target);
  if (req.url === "/config.json") {
    res.writeHead(200, {
      "content-type": "application/json",
      "cache-control": "no-cache",
    });
    res.end(JSON.stringify(config));
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405).end();
    return;
  }
  serveFile(req, res);
});

// The realtime websocket.
server.on("upgrade", (req, socket, head) => {
  const target = route(req.url ?? "/");
  if (!target) return socket.destroy();
  req.url = target.path;
  proxy.ws(req, socket, head, { target: target.upstream.origin }, () =>
    socket.destroy(),
  );
});

server.listen(port, host, () => {
  console.log(
    `student app on http://${host}:${port} (Directus ${upstreams["/directus"]}, worker ${upstreams["/worker"]})`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => server.close(() => process.exit(0)));
