// Serves the built student app (dist/) and, on the same origin, Directus and the worker:
//   /directus/...  -> DIRECTUS_URL (REST, GraphQL, auth, and the realtime websocket)
//   /worker/...    -> PATHWISE_WORKER_URL (POST /v1/attempts)
//   /config.json   -> where the app finds them (the paths above, unless overridden)
// One origin means the browser needs no CORS: Directus and the worker keep their defaults,
// and no request pays for a preflight. No dependencies: Node's http and net only.
//
// Environment:
//   STUDENT_APP_PORT (8057), STUDENT_APP_HOST (127.0.0.1), DIRECTUS_URL (http://127.0.0.1:8055),
//   PATHWISE_WORKER_URL (http://127.0.0.1:8056), STUDENT_APP_DIST (./dist),
//   STUDENT_APP_DIRECTUS_PUBLIC_URL / STUDENT_APP_WORKER_PUBLIC_URL: what config.json tells
//   the app instead of the proxied paths (for a deployment where the browser talks to
//   Directus and the worker directly, with CORS).
import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

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

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
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

function proxy(req, res, target) {
  const headers = { ...req.headers, host: target.upstream.host };
  const upstream = http.request(
    {
      hostname: target.upstream.hostname,
      port: target.upstream.port || 80,
      method: req.method,
      path: target.path,
      headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => unavailable(res, target.prefix, error));
  req.pipe(upstream);
}

function serveFile(req, res) {
  const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = normalize(join(dist, pathname));
  if (!file.startsWith(dist + sep) && file !== dist) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory())
    file = join(dist, "index.html");
  if (!existsSync(file)) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(
      `the student app is not built: ${dist} has no index.html (npm run build)`,
    );
    return;
  }
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    "content-type": types[extname(file)] ?? "application/octet-stream",
    "cache-control": immutable
      ? "public, max-age=31536000, immutable"
      : "no-cache",
    "x-content-type-options": "nosniff",
  });
  createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const target = route(req.url ?? "/");
  if (target) return proxy(req, res, target);
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

// The realtime websocket: the upgrade request goes through as raw bytes both ways.
server.on("upgrade", (req, socket, head) => {
  const target = route(req.url ?? "/");
  if (!target) return socket.destroy();
  const upstream = net.connect(
    Number(target.upstream.port || 80),
    target.upstream.hostname,
    () => {
      const lines = [`${req.method} ${target.path} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        const value =
          name.toLowerCase() === "host"
            ? target.upstream.host
            : req.rawHeaders[i + 1];
        lines.push(`${name}: ${value}`);
      }
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head?.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    },
  );
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
});

server.listen(port, host, () => {
  console.log(
    `student app on http://${host}:${port} (Directus ${upstreams["/directus"]}, worker ${upstreams["/worker"]})`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => server.close(() => process.exit(0)));
