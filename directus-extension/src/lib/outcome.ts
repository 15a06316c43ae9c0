/**
 * The body of `POST /pathwise/attempts/:id/outcome`, parsed into a typed value. The
 * worker decides; this only checks the shape: known collections, known fields, values of
 * the fields' types. Every problem names its place in the body.
 */
import type { FieldInfo, FieldMap } from "./columns.js";
import { invalid } from "./errors.js";

/** The learner-record collections an outcome writes, and the fields it may set. */
export const WRITABLE: Record<string, readonly string[]> = {
  mastery: [
    "key",
    "student",
    "skill",
    "p_known",
    "mastered",
    "observations",
    "correct",
    "stability",
    "difficulty",
    "due_at",
    "last_review_at",
    "applied_attempts",
  ],
  recommendations: [
    "key",
    "student",
    "course",
    "attempt",
    "kind",
    "lesson",
    "skill",
    "questions",
    "reason",
    "priority",
    "strategy",
    "status",
  ],
  student_profiles: [
    "student",
    "time_zone",
    "xp",
    "streak_days",
    "longest_streak",
    "last_active_at",
    "strategy",
    "applied_attempts",
    "version",
  ],
  learning_paths: [
    "key",
    "student",
    "course",
    "steps",
    "current_lesson",
    "progress",
  ],
};

/** The attempt's fields an outcome sets. */
export const ATTEMPT_FIELDS = [
  "status",
  "score",
  "points_earned",
  "points_possible",
  "duration_seconds",
  "speed_flag",
  "results",
  "correct_questions",
  "graded_at",
  "rejection_reason",
] as const;

/** RecordOutcome's variables (the public path's mutation): list name -> what it does. */
export const LISTS: Record<
  string,
  { collection: string; op: "create" | "update" }
> = {
  newMastery: { collection: "mastery", op: "create" },
  masteryUpdates: { collection: "mastery", op: "update" },
  newRecommendations: { collection: "recommendations", op: "create" },
  newProfiles: { collection: "student_profiles", op: "create" },
  profileUpdates: { collection: "student_profiles", op: "update" },
  newPaths: { collection: "learning_paths", op: "create" },
  pathUpdates: { collection: "learning_paths", op: "update" },
};

export interface RowWrite {
  collection: string;
  /** Where it came from in the body, for error messages. */
  place: string;
  /** The primary key of an update. */
  id?: number;
  values: Record<string, unknown>;
}

export interface Outcome {
  /** The profile version it was computed from; null: no profile then; undefined: a rejection. */
  version: number | null | undefined;
  status: "graded" | "rejected";
  attempt: Record<string, unknown>;
  creates: RowWrite[];
  updates: RowWrite[];
  superseded: number[];
}

export type Schema = Record<string, FieldMap>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function id(value: unknown, place: string): number {
  const number =
    typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1)
    throw invalid(place, "must be an item id (a positive integer)");
  return number;
}

/** Checks one value against its field's type. */
export function checkValue(
  field: FieldInfo,
  value: unknown,
  place: string,
): void {
  if (value === null) return;
  switch (field.type) {
    case "integer":
    case "bigInteger":
      if (
        !(
          Number.isSafeInteger(value) ||
          (typeof value === "string" && /^-?\d+$/.test(value))
        )
      )
        throw invalid(place, "must be an integer");
      return;
    case "float":
    case "decimal":
      if (typeof value !== "number" || !Number.isFinite(value))
        throw invalid(place, "must be a number");
      return;
    case "boolean":
      if (typeof value !== "boolean")
        throw invalid(place, "must be true or false");
      return;
    case "timestamp":
    case "dateTime":
    case "date":
      if (typeof value !== "string" || Number.isNaN(new Date(value).getTime()))
        throw invalid(place, "must be an ISO 8601 timestamp");
      return;
    case "json":
      return;
    default:
      if (typeof value !== "string") throw invalid(place, "must be a string");
  }
}

function row(
  schema: Schema,
  collection: string,
  allowed: readonly string[],
  value: unknown,
  place: string,
): Record<string, unknown> {
  if (!isObject(value)) throw invalid(place, "must be an object");
  const fields = schema[collection] ?? {};
  const values: Record<string, unknown> = {};
  for (const [name, fieldValue] of Object.entries(value)) {
    const field = fields[name];
    if (!allowed.includes(name) || !field)
      throw invalid(
        `${place}.${name}`,
        `is not a field Pathwise writes in ${collection}`,
      );
    checkValue(field, fieldValue, `${place}.${name}`);
    values[name] = fieldValue;
  }
  return values;
}

export function parseOutcome(body: unknown, schema: Schema): Outcome {
  if (!isObject(body))
    throw invalid(
      "",
      'the body must be a JSON object: {"version", "attempt", "writes"}',
    );
  for (const key of Object.keys(body)) {
    if (!["version", "attempt", "writes"].includes(key))
      throw invalid(
        key,
        "is not part of an outcome (version, attempt, writes)",
      );
  }
  const attempt = row(
    schema,
    "attempts",
    ATTEMPT_FIELDS,
    body["attempt"],
    "attempt",
  );
  const status = attempt["status"];
  if (status !== "graded" && status !== "rejected")
    throw invalid("attempt.status", 'must be "graded" or "rejected"');
  const version = body["version"];
  if (
    status === "graded" &&
    version !== null &&
    !(Number.isSafeInteger(version) && (version as number) >= 0)
  ) {
    throw invalid(
      "version",
      "must be the student's profile version the outcome was computed from (an integer), or null when they had no profile",
    );
  }
  const outcome: Outcome = {
    version: status === "graded" ? (version as number | null) : undefined,
    status,
    attempt,
    creates: [],
    updates: [],
    superseded: [],
  };
  const writes = body["writes"] ?? {};
  if (!isObject(writes)) throw invalid("writes", "must be an object of lists");
  if (
    status === "rejected" &&
    Object.values(writes).some((list) => Array.isArray(list) && list.length > 0)
  ) {
    throw invalid("writes", "a rejected attempt writes no learner records");
  }
  for (const [name, list] of Object.entries(writes)) {
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`writes.${name}`, "must be a list");
    if (name === "superseded") {
      outcome.superseded = list.map((value, i) =>
        id(value, `writes.superseded[${i}]`),
      );
      continue;
    }
    const kind = LISTS[name];
    if (!kind)
      throw invalid(
        `writes.${name}`,
        `is not a list of an outcome (${[...Object.keys(LISTS), "superseded"].join(", ")})`,
      );
    const allowed = WRITABLE[kind.collection] ?? [];
    list.forEach((item, i) => {
      const place = `writes.${name}[${i}]`;
      if (kind.op === "create") {
        outcome.creates.push({
          collection: kind.collection,
          place,
          values: row(schema, kind.collection, allowed, item, place),
        });
      } else {
        if (!isObject(item)) throw invalid(place, "must be an object");
        const { id: key, ...rest } = item;
        outcome.updates.push({
          collection: kind.collection,
          place,
          id: id(key, `${place}.id`),
          values: row(schema, kind.collection, allowed, rest, place),
        });
      }
    });
  }
  return outcome;
}
