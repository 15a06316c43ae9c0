/** Errors in Directus' own format (Directus recognises a DirectusError by its name). */
import {
  createError,
  ForbiddenError,
  InvalidPayloadError,
} from "@directus/errors";

export { ForbiddenError };

/** 400: what is wrong, and where (`writes.newMastery[0].skill: must be an integer`). */
export function invalid(place: string, problem: string): Error {
  return new InvalidPayloadError({
    reason: place ? `${place}: ${problem}` : problem,
  });
}

export const AttemptNotFoundError = createError<{ attempt: number }>(
  "PATHWISE_ATTEMPT_NOT_FOUND",
  ({ attempt }) => `Attempt ${attempt} does not exist.`,
  404,
);

/** 409: the student's state changed since the outcome was computed; read again. */
export const StaleStateError = createError<{ reason: string }>(
  "PATHWISE_STALE_STATE",
  ({ reason }) =>
    `The student's state changed since it was read: ${reason}. Read it again and recompute.`,
  409,
);

/** 409: a unique key is taken (another grading wrote it first); nothing was written. */
export const KeyTakenError = createError<{ detail: string }>(
  "RECORD_NOT_UNIQUE",
  ({ detail }) =>
    `A unique key is already taken (${detail}); nothing was written.`,
  409,
);

/**
 * A database constraint violation (SQLite or PostgreSQL), told by kind and by where it
 * happened (table and column or constraint), never with the values: knex puts the whole
 * statement with its bound values in the message, and those are a student's records.
 */
export function constraintViolation(
  error: unknown,
): { kind: "unique" | "other"; where: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message, table, constraint } = error as Record<string, unknown>;
  if (typeof code === "string" && code.startsWith("23")) {
    const where =
      [table, constraint]
        .filter((part) => typeof part === "string")
        .join(" ") || "unknown";
    return { kind: code === "23505" ? "unique" : "other", where };
  }
  if (code === "SQLITE_CONSTRAINT") {
    const text = String(message);
    const where =
      /constraint failed: ([\w., ]+)/i.exec(text)?.[1]?.trim() ?? "unknown";
    return { kind: text.includes("UNIQUE") ? "unique" : "other", where };
  }
  return undefined;
}
