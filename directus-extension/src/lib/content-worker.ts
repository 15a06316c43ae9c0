/**
 * Asking the worker's `POST /v1/validate`, signed the way flows sign events: an HS256
 * token from PATHWISE_WEBHOOK_SECRET, issuer `directus-flow`, audience
 * `pathwise-worker`, 60 s, whose `body_sha256` claim is the hash of the body (the worker
 * checks that the token vouches for exactly this body). node:crypto only, no JWT
 * dependency.
 */
import { createHash, createHmac } from "node:crypto";
import type { Problem, ValidationBody } from "./content-edits.js";

/** The claims the worker expects (directus_schema::flows::TOKEN_ISSUER / _AUDIENCE). */
export const TOKEN_ISSUER = "directus-flow";
export const TOKEN_AUDIENCE = "pathwise-worker";
const TOKEN_SECONDS = 60;

/** How long a save waits for the worker before it goes through unchecked. */
export const WORKER_TIMEOUT_MS = 2000;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** An HS256 JSON Web Token of `claims`, signed with `secret`. */
export function signToken(
  claims: Record<string, unknown>,
  secret: string,
): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret)
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/**
 * The token for one validation request (the body exactly as sent), issued at `now`. It
 * vouches for the body by its SHA-256 (`body_sha256`), not by a copy as flow events do: a
 * whole course in the Authorization header would be sent twice.
 */
export function validationToken(
  bodyText: string,
  secret: string,
  now: Date = new Date(),
): string {
  const iat = Math.floor(now.getTime() / 1000);
  return signToken(
    {
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      iat,
      exp: iat + TOKEN_SECONDS,
      body_sha256: createHash("sha256").update(bodyText).digest("hex"),
    },
    secret,
  );
}

/**
 * `/v1/validate` beside the events endpoint: PATHWISE_WORKER_URL is the worker's base
 * URL (flows post to `<base>/v1/events`); a value that already ends in `/v1/events`
 * is accepted too.
 */
export function validateUrl(workerUrl: string): string {
  const base = workerUrl
    .trim()
    .replace(/\/+$/, "")
    .replace(/\/v1\/events$/, "");
  return `${base}/v1/validate`;
}

/** The worker could not say (down, slow, misconfigured): the save goes through. */
export class WorkerUnavailable extends Error {
  override name = "WorkerUnavailable";
}

type Fetch = typeof fetch;

/** A network failure in one line: fetch's own "fetch failed" hides the cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return cause.message || cause.name;
  return error.message;
}

/** The worker's problems for `body`; throws [`WorkerUnavailable`] when it cannot say. */
export async function askWorker(
  url: string,
  secret: string,
  body: ValidationBody,
  options: { timeoutMs?: number; fetch?: Fetch } = {},
): Promise<Problem[]> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? WORKER_TIMEOUT_MS;
  const bodyText = JSON.stringify(body);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${validationToken(bodyText, secret)}`,
      },
      body: bodyText,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : `unreachable (${describe(error)})`;
    throw new WorkerUnavailable(`the worker at ${url} is ${reason}`);
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    answer = undefined;
  }
  if (!response.ok) {
    const detail =
      typeof answer === "object" && answer !== null && "detail" in answer
        ? `: ${String((answer as { detail: unknown }).detail)}`
        : "";
    throw new WorkerUnavailable(
      `the worker at ${url} answered ${response.status}${detail}`,
    );
  }
  const problems = (answer as { problems?: unknown } | undefined)?.problems;
  if (!Array.isArray(problems))
    throw new WorkerUnavailable(
      `the worker at ${url} answered without a "problems" list`,
    );
  return problems as Problem[];
}
