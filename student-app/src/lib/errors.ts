// Errors as a student reads them: which service is down, and what happens to their work.
// Pure: no Vue, no I/O.

export type Service = "directus" | "worker";

export class AppError extends Error {
  constructor(
    message: string,
    readonly kind: "unreachable" | "auth" | "refused" | "invalid" | "unknown",
    readonly service: Service,
    readonly status?: number,
  ) {
    super(message);
  }
}

const NAMES: Record<Service, string> = {
  directus: "The Pathwise server (Directus)",
  worker: "The grading service (Pathwise worker)",
};

/** The message for an HTTP answer or a network failure of `service`. */
export function describeFailure(
  service: Service,
  status: number | null,
  body?: {
    detail?: string;
    errors?: { message?: string }[];
    kind?: string;
  } | null,
): AppError {
  if (status === null || status === 502 || status === 503 || status === 504) {
    return new AppError(
      `${NAMES[service]} cannot be reached right now. Try again in a moment.`,
      "unreachable",
      service,
      status ?? undefined,
    );
  }
  if (status === 401) {
    return new AppError(
      "Your session has ended. Please sign in again.",
      "auth",
      service,
      status,
    );
  }
  const detail = body?.detail ?? body?.errors?.[0]?.message;
  if (status === 403) {
    return new AppError(
      detail ? `Not allowed: ${detail}` : "You are not allowed to do that.",
      "refused",
      service,
      status,
    );
  }
  if (status === 400 || status === 422) {
    return new AppError(
      detail ?? "The request was not valid.",
      "invalid",
      service,
      status,
    );
  }
  return new AppError(
    detail
      ? `${NAMES[service]} answered with an error: ${detail}`
      : `${NAMES[service]} answered with an error (${status}).`,
    "unknown",
    service,
    status,
  );
}

/** A Directus SDK error (it throws `{errors, response}`) or a fetch failure, as an AppError. */
export function fromDirectusError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error && typeof error === "object") {
    const e = error as {
      errors?: { message?: string; extensions?: { code?: string } }[];
      response?: Response;
    };
    if (e.response instanceof Object && typeof e.response.status === "number") {
      const code = e.errors?.[0]?.extensions?.code;
      if (code === "INVALID_CREDENTIALS") {
        return new AppError(
          "Wrong email or password.",
          "auth",
          "directus",
          401,
        );
      }
      if (code === "TOKEN_EXPIRED" || code === "INVALID_TOKEN") {
        return new AppError(
          "Your session has ended. Please sign in again.",
          "auth",
          "directus",
          401,
        );
      }
      return describeFailure("directus", e.response.status, {
        errors: e.errors,
      });
    }
    if (
      Array.isArray(e.errors) &&
      e.errors[0]?.extensions?.code === "INVALID_CREDENTIALS"
    ) {
      return new AppError("Wrong email or password.", "auth", "directus", 401);
    }
  }
  // fetch() throws a TypeError when nothing answers.
  return describeFailure("directus", null);
}
