// The one Directus client of the app (REST with refreshed tokens, and realtime), and the
// worker's synchronous endpoint.
import {
  authentication,
  createDirectus,
  readItems,
  readMe,
  realtime,
  rest,
  type AuthenticationData,
  type AuthenticationStorage,
} from "@directus/sdk";
import { AppError, describeFailure, fromDirectusError } from "./errors";
import type { GradedSubmission } from "./types";

const AUTH_KEY = "pathwise.auth";

/** Tokens survive a reload (the refresh token renews the access token). */
export const browserStorage: AuthenticationStorage = {
  get: () => {
    const raw = localStorage.getItem(AUTH_KEY);
    return raw ? (JSON.parse(raw) as AuthenticationData) : null;
  },
  set: (data) => {
    if (
      data === null ||
      (data.access_token === null && data.refresh_token === null)
    ) {
      localStorage.removeItem(AUTH_KEY);
    } else {
      localStorage.setItem(AUTH_KEY, JSON.stringify(data));
    }
  },
};

/**
 * fetch for the SDK: an error answer that is not JSON (a proxy's 502 page, a
 * problem+json) becomes a rejection. The SDK (21.x) hands such responses back as if they
 * were data, so a failed sign-in would look like a successful one.
 */
export const guardedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const type = response.headers.get("content-type")?.toLowerCase() ?? "";
  if (!response.ok && !type.startsWith("application/json")) {
    const text = await response.text().catch(() => "");
    throw {
      message: text,
      errors: [{ message: `HTTP ${response.status}` }],
      response,
    };
  }
  return response;
};

export function makeClient(directus: URL, websocket: URL) {
  return createDirectus(directus.toString(), {
    globals: { fetch: guardedFetch },
  })
    .with(
      authentication("json", { storage: browserStorage, autoRefresh: true }),
    )
    .with(rest())
    .with(
      realtime({
        url: websocket.toString(),
        authMode: "handshake",
        reconnect: { delay: 2000, retries: 30 },
      }),
    );
}

export type Client = ReturnType<typeof makeClient>;

/** A REST call through the SDK, its errors made readable. */
export async function call<T>(
  client: Client,
  command: Parameters<Client["request"]>[0],
): Promise<T> {
  try {
    return (await client.request(command)) as T;
  } catch (error) {
    throw fromDirectusError(error);
  }
}

export { readItems, readMe };

/** POST /v1/attempts on the worker, as the signed-in student. */
export async function submitAttempt(
  client: Client,
  worker: URL,
  body: {
    lesson: number;
    answers: Record<string, unknown>;
    started_at?: string;
    submitted_at?: string;
  },
): Promise<GradedSubmission> {
  const token = await client.getToken();
  if (!token)
    throw new AppError(
      "Your session has ended. Please sign in again.",
      "auth",
      "directus",
      401,
    );
  let response: Response;
  try {
    response = await fetch(new URL("v1/attempts", worker), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw describeFailure("worker", null);
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const problem = json as { detail?: string; kind?: string } | null;
    // The worker answers 502 "directus-unavailable" when Directus is down behind it.
    if (response.status === 502 && problem?.kind === "directus-unavailable") {
      throw describeFailure("directus", 502, problem);
    }
    throw describeFailure("worker", response.status, problem);
  }
  return json as GradedSubmission;
}
