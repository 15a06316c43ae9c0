/**
 * Save-time validation, the reading half: the rows a save changes and the flat lists of
 * their course, in plain SQL with the save's own transaction (so that rows written
 * earlier in the same save, e.g. a lesson created with its prerequisites, are seen).
 * Seven indexed selects per course: the hook runs on every content save.
 */
import type { Knex } from "knex";
import { fromColumn } from "./columns.js";
import {
  COLUMNS,
  type Checked,
  type Collection,
  type CourseLists,
  type Row,
  idOf,
} from "./content-edits.js";

const JSON_COLUMNS: Record<string, true> = { choices: true, answer_key: true };

/** A row as the worker reads it: JSON columns parsed (SQLite stores them as text). */
function parsed(row: Row): Row {
  const out: Row = { ...row };
  for (const column of Object.keys(JSON_COLUMNS))
    if (column in out)
      out[column] = fromColumn({ type: "json", special: [] }, out[column]);
  return out;
}

function columns(collection: Collection, alias: string): string[] {
  return COLUMNS[collection].map((column) => `${alias}.${column}`);
}

/** The rows with these ids, before the save. */
export async function readRows(
  db: Knex,
  collection: Checked,
  ids: number[],
): Promise<Row[]> {
  if (ids.length === 0) return [];
  const rows = (await db(collection)
    .whereIn("id", ids)
    .select(COLUMNS[collection])) as Row[];
  return rows.map(parsed);
}

/**
 * The course an item belongs to once saved (`after` is its row with the payload
 * applied); `null` when it belongs to none yet (e.g. a lesson in a module created in the
 * same save).
 */
export async function courseOf(
  db: Knex,
  collection: Checked,
  after: Row,
): Promise<number | null> {
  const viaLesson = async (lesson: unknown) => {
    const id = idOf(lesson);
    if (id === null) return null;
    const row = (await db("lessons as l")
      .join("modules as m", "m.id", "l.module")
      .where("l.id", id)
      .first("m.course")) as Row | undefined;
    return idOf(row?.["course"]);
  };
  switch (collection) {
    case "courses":
      return idOf(after["id"]);
    case "skills":
      return idOf(after["course"]);
    case "lessons": {
      const module = idOf(after["module"]);
      if (module === null) return null;
      const row = (await db("modules").where("id", module).first("course")) as
        | Row
        | undefined;
      return idOf(row?.["course"]);
    }
    case "lesson_prerequisites":
      return viaLesson(after["lesson"]);
    case "questions":
      return viaLesson(after["lesson"]);
    case "question_skills": {
      const question = idOf(after["question"]);
      if (question === null) return null;
      const row = (await db("questions")
        .where("id", question)
        .first("lesson")) as Row | undefined;
      return viaLesson(row?.["lesson"]);
    }
  }
}

/** A course's items as stored (`course` is `{"id": id}` when it does not exist yet). */
export async function readCourse(
  db: Knex,
  course: number,
): Promise<CourseLists> {
  const inCourse = (query: Knex.QueryBuilder, lessonAlias: string) =>
    query
      .join("modules as m", "m.id", `${lessonAlias}.module`)
      .where("m.course", course);
  const [found, modules, skills, lessons, prerequisites, questions, links] =
    await Promise.all([
      db("courses")
        .where("id", course)
        .first(...COLUMNS.courses),
      db("modules").where("course", course).select(COLUMNS.modules),
      db("skills").where("course", course).select(COLUMNS.skills),
      inCourse(db("lessons as l"), "l").select(columns("lessons", "l")),
      inCourse(
        db("lesson_prerequisites as p").join(
          "lessons as l",
          "l.id",
          "p.lesson",
        ),
        "l",
      ).select(columns("lesson_prerequisites", "p")),
      inCourse(
        db("questions as q").join("lessons as l", "l.id", "q.lesson"),
        "l",
      ).select(columns("questions", "q")),
      inCourse(
        db("question_skills as s")
          .join("questions as q", "q.id", "s.question")
          .join("lessons as l", "l.id", "q.lesson"),
        "l",
      ).select(columns("question_skills", "s")),
    ]);
  return {
    course: (found as Row | undefined) ?? { id: course },
    modules: modules as Row[],
    skills: skills as Row[],
    lessons: lessons as Row[],
    lesson_prerequisites: prerequisites as Row[],
    questions: (questions as Row[]).map(parsed),
    question_skills: links as Row[],
  };
}

/**
 * The links of lessons or questions being saved (their prerequisites, their skills):
 * when the save moves them into another course, that course's lists do not hold them.
 */
export async function readLinks(
  db: Knex,
  collection: Checked,
  ids: number[],
): Promise<{
  junction: "lesson_prerequisites" | "question_skills";
  rows: Row[];
} | null> {
  const existing = ids.filter((id) => id > 0);
  if (existing.length === 0) return null;
  if (collection === "lessons")
    return {
      junction: "lesson_prerequisites",
      rows: (await db("lesson_prerequisites")
        .whereIn("lesson", existing)
        .select(COLUMNS.lesson_prerequisites)) as Row[],
    };
  if (collection === "questions")
    return {
      junction: "question_skills",
      rows: (await db("question_skills")
        .whereIn("question", existing)
        .select(COLUMNS.question_skills)) as Row[],
    };
  return null;
}

/** The lists of a course that does not exist yet (a course being created). */
export function newCourse(course: Row): CourseLists {
  return {
    course,
    modules: [],
    skills: [],
    lessons: [],
    lesson_prerequisites: [],
    questions: [],
    question_skills: [],
  };
}
