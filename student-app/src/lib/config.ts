// Where Directus and the worker are: read at runtime from config.json beside index.html
// (written by the server, see server.mjs), so one build serves any stack.
export interface AppConfig {
  /** Directus base URL, absolute or relative to the page ("/directus"). */
  directusUrl: string;
  /** The Pathwise worker's base URL ("/worker"). */
  workerUrl: string;
}

export function resolveConfig(
  raw: Partial<AppConfig>,
  page: string,
): { directus: URL; worker: URL; websocket: URL } {
  const directus = new URL(withSlash(raw.directusUrl ?? "/directus"), page);
  const worker = new URL(withSlash(raw.workerUrl ?? "/worker"), page);
  const websocket = new URL("websocket", directus);
  websocket.protocol = directus.protocol === "https:" ? "wss:" : "ws:";
  return { directus, worker, websocket };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export async function loadConfig(): Promise<Partial<AppConfig>> {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), {
      cache: "no-store",
    });
    if (response.ok) return (await response.json()) as Partial<AppConfig>;
  } catch {
    // fall back to the defaults (the app's own server proxies both)
  }
  return {};
}
