/**
 * The state read: an attempt with its student's state in its course, in the shape of the
 * worker's AttemptAndState GraphQL query (directus-schema/graphql/attempt_and_state.graphql),
 * so that both write paths feed the worker the same value. Plain SQL: a handful of
 * indexed selects, no permission checks (only the worker calls it).
 */
import type { Knex } from "knex";
import {
  type FieldMap,
  type Vendor,
  fromColumn,
  rowFromColumns,
  timestampColumn,
} from "./columns.js";

export type Schema = Record<string, FieldMap>;

export interface StateAnswer {
  attempt: number;
  student: string | null;
  course: number | null;
  /** The student's profile version; null without a profile. */
  version: number | null;
  state: Record<string, unknown>;
}

/** How many graded attempts of the course the worker sees (latest scores per lesson). */
const GRADED_LIMIT = 500;

const ref = (value: unknown) =>
  value === null || value === undefined ? null : { id: String(value) };

/** The profile fields the worker reads (AttemptAndState's `student_profiles`). */
const PROFILE_COLUMNS = [
  "id",
  "xp",
  "streak_days",
  "longest_streak",
  "last_active_at",
  "time_zone",
  "strategy",
  "applied_attempts",
  "version",
];

/** The path fields the worker reads (AttemptAndState's `learning_paths`). */
const PATH_COLUMNS = ["id", "steps", "current_lesson", "progress"];

/** The columns of a joined row that start with `prefix`, without it ("" takes the rest). */
function prefixed(
  row: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    const joined = name.startsWith("profile_") || name.startsWith("path_");
    if (prefix === "" ? !joined : name.startsWith(prefix))
      out[name.slice(prefix.length)] = value;
  }
  return out;
}

/** `undefined` when the attempt does not exist. */
export async function readState(
  db: Knex,
  schema: Schema,
  vendor: Vendor,
  attemptId: number,
  recentSince: Date,
): Promise<StateAnswer | undefined> {
  const fields = (collection: string) => schema[collection] ?? {};
  // One statement reads the attempt, its course, and the student's profile and path: the
  // profile (and its version) comes first under READ COMMITTED, so everything read after it
  // is at least as new and an outcome computed from it cannot pass the version check with
  // older mastery (an apply committing in between moves the version on).
  const found = await db("attempts as a")
    .leftJoin("lessons as l", "l.id", "a.lesson")
    .leftJoin("modules as m", "m.id", "l.module")
    .leftJoin("student_profiles as p", "p.student", "a.student")
    .leftJoin(
      "learning_paths as lp",
      "lp.key",
      db.raw("a.student || ':' || m.course"),
    )
    .where("a.id", attemptId)
    .first(
      "a.id",
      "a.status",
      "a.answers",
      "a.started_at",
      "a.submitted_at",
      "a.date_created",
      "a.student",
      "l.id as lesson_id",
      "m.id as module_id",
      "m.course",
      ...PROFILE_COLUMNS.map((c) => `p.${c} as profile_${c}`),
      ...PATH_COLUMNS.map((c) => `lp.${c} as path_${c}`),
    );
  if (!found) return undefined;
  const {
    course: courseId,
    lesson_id: lessonId,
    module_id: moduleId,
    ...joined
  } = found as Record<string, unknown>;
  const attemptRow = prefixed(joined, "");
  const profileRow = prefixed(joined, "profile_");
  const pathRow = prefixed(joined, "path_");
  const attempt = rowFromColumns(fields("attempts"), attemptRow);
  const student =
    attempt["student"] === null ? null : String(attempt["student"]);
  const course =
    courseId === null || courseId === undefined ? null : Number(courseId);
  const state: Record<string, unknown> = {
    attempts_by_id: {
      id: String(attempt["id"]),
      status: attempt["status"],
      answers: attempt["answers"],
      started_at: attempt["started_at"],
      submitted_at: attempt["submitted_at"],
      date_created: attempt["date_created"],
      student: ref(student),
      lesson:
        lessonId === null || lessonId === undefined
          ? null
          : {
              id: String(lessonId),
              module:
                moduleId === null || moduleId === undefined
                  ? null
                  : { course: ref(course) },
            },
    },
    mastery: [],
    attempts: [],
    recent_results: [],
    student_profiles: [],
    learning_paths: [],
    recommendations: [],
    own_recommendations: [],
  };
  const answer: StateAnswer = {
    attempt: attemptId,
    student,
    course,
    version: null,
    state,
  };
  // Nothing to grade, or nobody's state to read: the worker needs no more.
  if (attempt["status"] !== "submitted" || student === null || course === null)
    return answer;

  const inCourse = (query: Knex.QueryBuilder) =>
    query
      .join("lessons as l", "l.id", "a.lesson")
      .join("modules as m", "m.id", "l.module")
      .where("m.course", course);
  // Two lists each come from one select: the graded attempts with the questions answered
  // correctly in the recent ones (the newest GRADED_LIMIT include every recent one), and the
  // recommendations that are active in the course or came from this attempt.
  const [mastery, graded, recommendations] = await Promise.all([
    db("mastery as x")
      .join("skills as s", "s.id", "x.skill")
      .where({ "x.student": student, "s.course": course })
      .select(
        "x.id",
        "x.key",
        "x.skill",
        "x.p_known",
        "x.mastered",
        "x.observations",
        "x.correct",
        "x.stability",
        "x.difficulty",
        "x.due_at",
        "x.last_review_at",
        "x.applied_attempts",
      ),
    inCourse(
      db("attempts as a").where({ "a.student": student, "a.status": "graded" }),
    )
      .orderBy("a.graded_at", "desc")
      .limit(GRADED_LIMIT)
      .select(
        "a.id",
        "a.lesson",
        "a.score",
        "a.graded_at",
        db.raw(
          "case when a.graded_at >= ? then a.correct_questions end as correct_questions",
          [timestampColumn(recentSince, vendor)],
        ),
      ),
    // `course + 0` keeps SQLite off the course index: without statistics its planner
    // took that index and read every recommendation of the course, superseded ones
    // included (30,000 rows in the bench, most of the extension path's cost late in a
    // run). The student's index is the narrow one on every vendor.
    db("recommendations")
      .where((active) =>
        active
          .where({ student, status: "active" })
          .whereRaw("?? + 0 = ?", ["course", course]),
      )
      .orWhere("attempt", attemptId)
      .select("id", "key", "status", "course", "student", "attempt"),
  ]);
  type Row = Record<string, unknown>;
  const recent = (graded as Row[]).filter(
    (r) => r["correct_questions"] !== null,
  );
  const active = recommendations.filter(
    (r) =>
      r["status"] === "active" &&
      String(r["student"]) === student &&
      Number(r["course"]) === course,
  );
  const own = recommendations
    .filter((r) => Number(r["attempt"]) === attemptId)
    .map((r) => ({ key: r["key"] }));
  const rows = (collection: string, list: Record<string, unknown>[]) =>
    list.map((r) => rowFromColumns(fields(collection), r));
  state["mastery"] = rows("mastery", mastery).map((r) => ({
    ...r,
    id: String(r["id"]),
    skill: ref(r["skill"]),
  }));
  state["attempts"] = (graded as Row[]).map(
    ({ correct_questions: _recent, ...r }) => ({
      ...rowFromColumns(fields("attempts"), r),
      id: String(r["id"]),
      lesson: ref(r["lesson"]),
    }),
  );
  state["recent_results"] = recent.map((r) => ({
    id: String(r["id"]),
    correct_questions: fromColumn(
      fields("attempts")["correct_questions"],
      r["correct_questions"],
    ),
  }));
  if (profileRow["id"] !== null && profileRow["id"] !== undefined)
    state["student_profiles"] = [
      {
        ...rowFromColumns(fields("student_profiles"), profileRow),
        id: String(profileRow["id"]),
      },
    ];
  if (pathRow["id"] !== null && pathRow["id"] !== undefined)
    state["learning_paths"] = [
      {
        ...rowFromColumns(fields("learning_paths"), pathRow),
        id: String(pathRow["id"]),
        current_lesson: ref(pathRow["current_lesson"]),
      },
    ];
  state["recommendations"] = active.map((r) => ({
    id: String(r["id"]),
    key: r["key"],
  }));
  state["own_recommendations"] = own;
  const profile = (state["student_profiles"] as Record<string, unknown>[])[0];
  answer.version = profile ? Number(profile["version"] ?? 0) : null;
  return answer;
}
