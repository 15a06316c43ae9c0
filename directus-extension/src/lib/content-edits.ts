/**
 * Save-time validation, the pure half: what a save changes, the course as it WOULD be
 * after it (the body of the worker's `POST /v1/validate`), and which of the worker's
 * problems refuse the save. No rule lives here: the worker decides what is wrong
 * (worker/src/http/validate.rs); this file only merges payloads into rows and matches
 * the worker's answer against the items being saved (docs/validation.md).
 */

/** The collections whose saves are checked. */
export const CHECKED = [
  "courses",
  "skills",
  "lessons",
  "lesson_prerequisites",
  "questions",
  "question_skills",
] as const;
export type Checked = (typeof CHECKED)[number];

/** Every collection the hook reads: the checked ones and `modules` (a lesson's course). */
export type Collection = Checked | "modules";

/**
 * The columns read and merged per collection: what the worker's body needs, and the
 * relations that place an item in its course. Aliases (`lessons.prerequisites`,
 * `questions.skills`) are not columns: Directus writes their junction rows through
 * nested saves, whose own filters see them; the parent's save is checked with the links
 * its alias leaves (`withAliasLinks`), so that a question created with its skills in the
 * same save is whole.
 */
export const COLUMNS: Record<Collection, readonly string[]> = {
  courses: [
    "id",
    "title",
    "advance_threshold",
    "remediate_threshold",
    "mastery_threshold",
  ],
  modules: ["id", "course", "sort"],
  skills: ["id", "course", "name", "p_init", "p_learn", "p_guess", "p_slip"],
  lessons: ["id", "module", "sort", "title", "status", "kind"],
  lesson_prerequisites: ["id", "lesson", "prerequisite"],
  questions: [
    "id",
    "lesson",
    "status",
    "prompt",
    "type",
    "choices",
    "answer_key",
    "points",
  ],
  question_skills: ["id", "question", "skill"],
};

/** Many-to-one columns: a payload may hold `{"id": 5}` where the row holds `5`. */
const RELATIONS: Record<string, true> = {
  course: true,
  module: true,
  lesson: true,
  prerequisite: true,
  question: true,
  skill: true,
};

/** The alias through which a junction is saved nested in its parent's form. */
export const JUNCTION_ALIAS: Partial<
  Record<
    Checked,
    {
      parent: "lessons" | "questions";
      alias: string;
      own: string;
      parentField: string;
    }
  >
> = {
  lesson_prerequisites: {
    parent: "lessons",
    alias: "prerequisites",
    own: "prerequisite",
    parentField: "lesson",
  },
  question_skills: {
    parent: "questions",
    alias: "skills",
    own: "skill",
    parentField: "question",
  },
};

export type Row = Record<string, unknown>;

/** One item a save writes: an existing one (its row before the save) or a new one. */
export interface Edit {
  collection: Checked;
  /** The item's id; negative for an item not created yet. */
  id: number;
  /** The row before the save (for a new item: the fields' defaults). */
  before: Row;
  /** The save's payload: only the fields it writes. */
  payload: Row;
}

/** A course's items as stored, read per course. */
export interface CourseLists {
  course: Row;
  modules: Row[];
  skills: Row[];
  lessons: Row[];
  lesson_prerequisites: Row[];
  questions: Row[];
  question_skills: Row[];
}

/** The worker's `POST /v1/validate` body. */
export interface ValidationBody {
  course: Row;
  skills: Row[];
  lessons: Row[];
  prerequisites: { lesson: number; prerequisite: number }[];
  questions: Row[];
}

/** One problem in the worker's answer. */
export interface Problem {
  collection: string;
  id: number;
  field: string;
  fields?: string[];
  message: string;
}

/** Prompts are only quoted in messages: long ones are cut to keep the body small. */
export const PROMPT_CHARS = 120;

/** An id as a number (Directus passes update keys as strings); `null` when not one. */
export function idOf(value: unknown): number | null {
  if (typeof value === "object" && value !== null && "id" in value)
    return idOf((value as { id: unknown }).id);
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim()))
    return Number(value);
  return null;
}

/**
 * The payload's values for the collection's columns, as the row will hold them: a
 * relation given as an object becomes its id (`null` for a nested new item, whose id is
 * not known yet); aliases and unknown fields are left out.
 */
export function columnsOf(collection: Collection, payload: Row): Row {
  const out: Row = {};
  for (const column of COLUMNS[collection]) {
    if (column === "id" || !(column in payload)) continue;
    const value = payload[column];
    out[column] = RELATIONS[column] && value !== null ? idOf(value) : value;
  }
  return out;
}

/** The fields a save writes that the worker reads (its payload's columns). */
export function savedFields(collection: Collection, payload: Row): string[] {
  return Object.keys(columnsOf(collection, payload));
}

/** `lists` with `rows` of a junction added where missing (by id). */
export function withLinks(
  lists: CourseLists,
  junction: "lesson_prerequisites" | "question_skills",
  rows: Row[],
): CourseLists {
  const known = new Set(lists[junction].map((row) => idOf(row["id"])));
  const added = rows.filter((row) => !known.has(idOf(row["id"])));
  return added.length === 0
    ? lists
    : { ...lists, [junction]: [...lists[junction], ...added] };
}

/** The junction a parent's alias writes (`questions.skills` -> `question_skills`). */
export function aliasedJunction(
  collection: Checked,
): "lesson_prerequisites" | "question_skills" | null {
  for (const [junction, link] of Object.entries(JUNCTION_ALIAS))
    if (link?.parent === collection)
      return junction as "lesson_prerequisites" | "question_skills";
  return null;
}

/** Whether a save of `collection` writes its junction through the alias. */
export function writesAlias(collection: Checked, payload: Row): boolean {
  const junction = aliasedJunction(collection);
  return junction !== null && JUNCTION_ALIAS[junction]!.alias in payload;
}

/**
 * `lists` with the junction rows of one parent as its payload's alias leaves them, in
 * either form Directus accepts: a list (the parent's whole new set: junction ids kept,
 * objects with an id kept and changed, objects without one created; the rest removed), or
 * `{create, update, delete}`. New rows get negative ids. A link to an item created in
 * the same save has no id yet and is left out (it cannot close a cycle, nor be foreign).
 */
export function withAliasLinks(
  lists: CourseLists,
  collection: Checked,
  parentId: number,
  payload: Row,
): CourseLists {
  const junction = aliasedJunction(collection);
  if (junction === null || !writesAlias(collection, payload)) return lists;
  const link = JUNCTION_ALIAS[junction]!;
  const value = payload[link.alias];
  const mine = (row: Row) => idOf(row[link.parentField]) === parentId;
  const existing = new Map(
    lists[junction].filter(mine).map((row) => [idOf(row["id"]), row] as const),
  );
  let nextNew = -1;
  const created = (entry: Row): Row => ({
    id: nextNew--,
    [link.parentField]: parentId,
    [link.own]: idOf(entry[link.own]),
  });
  const changed = (entry: Row): Row | null => {
    const before = existing.get(idOf(entry["id"]));
    if (!before) return null;
    return {
      ...before,
      ...(link.own in entry ? { [link.own]: idOf(entry[link.own]) } : {}),
    };
  };
  let after: Row[];
  if (Array.isArray(value)) {
    after = [];
    for (const entry of value) {
      if (typeof entry !== "object" || entry === null) {
        const kept = existing.get(idOf(entry));
        if (kept) after.push(kept);
      } else if ("id" in entry) {
        const kept = changed(entry as Row);
        if (kept) after.push(kept);
      } else after.push(created(entry as Row));
    }
  } else if (typeof value === "object" && value !== null) {
    const {
      create,
      update,
      delete: removed,
    } = value as {
      create?: unknown;
      update?: unknown;
      delete?: unknown;
    };
    const gone = new Set(
      (Array.isArray(removed) ? removed : []).map((entry) => idOf(entry)),
    );
    const updates = new Map(
      (Array.isArray(update) ? update : [])
        .filter(
          (entry): entry is Row => typeof entry === "object" && entry !== null,
        )
        .map((entry) => [idOf(entry["id"]), entry] as const),
    );
    after = [];
    for (const [id, row] of existing) {
      if (gone.has(id)) continue;
      const entry = updates.get(id);
      after.push(entry ? (changed(entry) ?? row) : row);
    }
    for (const entry of Array.isArray(create) ? create : [])
      if (typeof entry === "object" && entry !== null)
        after.push(created(entry as Row));
  } else {
    return lists;
  }
  return {
    ...lists,
    [junction]: [
      ...lists[junction].filter((row) => !mine(row)),
      ...after.filter((row) => idOf(row[link.own]) !== null),
    ],
  };
}

/** `lists` with each edit applied: its row replaced (or added) by before + payload. */
export function applyEdits(lists: CourseLists, edits: Edit[]): CourseLists {
  const out: CourseLists = {
    ...lists,
    skills: [...lists.skills],
    lessons: [...lists.lessons],
    lesson_prerequisites: [...lists.lesson_prerequisites],
    questions: [...lists.questions],
    question_skills: [...lists.question_skills],
  };
  for (const edit of edits) {
    const after: Row = {
      ...edit.before,
      ...columnsOf(edit.collection, edit.payload),
      id: edit.id,
    };
    if (edit.collection === "courses") {
      if (idOf(out.course["id"]) === edit.id)
        out.course = { ...out.course, ...after };
      continue;
    }
    const list = out[edit.collection];
    const at = list.findIndex((row) => idOf(row["id"]) === edit.id);
    if (at >= 0) list[at] = after;
    else list.push(after);
  }
  return out;
}

/**
 * The body for the worker: the items that belong to the course after the save (a lesson
 * by its module, a question by its lesson, a link by its lesson or question).
 */
export function validationBody(lists: CourseLists): ValidationBody {
  const courseId = idOf(lists.course["id"]);
  // Module id -> its sort: a cycle is told from its first lesson in course order.
  const modules = new Map(
    lists.modules
      .filter((row) => idOf(row["course"]) === courseId)
      .map((row) => [idOf(row["id"]), idOf(row["sort"])] as const),
  );
  const lessons = lists.lessons.filter((row) =>
    modules.has(idOf(row["module"])),
  );
  const lessonIds = new Set(lessons.map((row) => idOf(row["id"])));
  const questions = lists.questions.filter((row) =>
    lessonIds.has(idOf(row["lesson"])),
  );
  const skillsOf = new Map<number, number[]>();
  for (const link of lists.question_skills) {
    const question = idOf(link["question"]);
    const skill = idOf(link["skill"]);
    if (question === null || skill === null) continue;
    skillsOf.set(question, [...(skillsOf.get(question) ?? []), skill]);
  }
  const prerequisites: ValidationBody["prerequisites"] = [];
  for (const link of lists.lesson_prerequisites) {
    const lesson = idOf(link["lesson"]);
    const prerequisite = idOf(link["prerequisite"]);
    // A link to a lesson created in the same save (no id yet) cannot close a cycle.
    if (lesson === null || prerequisite === null || !lessonIds.has(lesson))
      continue;
    prerequisites.push({ lesson, prerequisite });
  }
  return {
    course: pick(lists.course, COLUMNS.courses),
    skills: lists.skills
      .filter((row) => idOf(row["course"]) === courseId)
      .map((row) => without(pick(row, COLUMNS.skills), "course")),
    lessons: lessons.map((row) => ({
      ...without(pick(row, COLUMNS.lessons), "module"),
      sort: idOf(row["sort"]),
      module_sort: modules.get(idOf(row["module"])) ?? null,
    })),
    prerequisites,
    questions: questions.map((row) => {
      const id = idOf(row["id"]) ?? 0;
      const prompt = row["prompt"];
      return {
        ...pick(row, COLUMNS.questions),
        lesson: idOf(row["lesson"]),
        prompt:
          typeof prompt === "string" && prompt.length > PROMPT_CHARS
            ? prompt.slice(0, PROMPT_CHARS)
            : prompt,
        skills: skillsOf.get(id) ?? [],
      };
    }),
  };
}

function pick(row: Row, columns: readonly string[]): Row {
  const out: Row = {};
  for (const column of columns) if (column in row) out[column] = row[column];
  if ("id" in out) out["id"] = idOf(out["id"]);
  return out;
}

function without(row: Row, column: string): Row {
  const { [column]: _dropped, ...rest } = row;
  return rest;
}

/**
 * What a save touches, in the worker's terms: an item, whether it is new, and the
 * fields the save writes. A junction row touches its parent's alias (a link saved in
 * `lesson_prerequisites` changes its lesson's `prerequisites`).
 */
export interface Touch {
  collection: string;
  id: number;
  isNew: boolean;
  fields: string[];
  /** Where to show the error instead of the problem's own field (a junction's field). */
  showAt?: string;
}

/**
 * `nested`: the junction rows are written by a save of their parent's form (the
 * lessons' `prerequisites` alias), so the error belongs at the alias; otherwise at the
 * junction's own field (`prerequisite`).
 */
export function touchesOf(edits: Edit[], nested: boolean): Touch[] {
  return edits.map((edit) => {
    const junction = JUNCTION_ALIAS[edit.collection];
    if (!junction) {
      const alias = aliasedJunction(edit.collection);
      return {
        collection: edit.collection,
        id: edit.id,
        isNew: edit.id < 0,
        fields: [
          ...savedFields(edit.collection, edit.payload),
          ...(alias && writesAlias(edit.collection, edit.payload)
            ? [JUNCTION_ALIAS[alias]!.alias]
            : []),
        ],
      };
    }
    const after = {
      ...edit.before,
      ...columnsOf(edit.collection, edit.payload),
    };
    return {
      collection: junction.parent,
      id: idOf(after[junction.parentField]) ?? 0,
      isNew: false,
      fields: [junction.alias],
      showAt: nested ? junction.alias : junction.own,
    };
  });
}

/** A problem that refuses a save, placed at the field the admin UI shows it at. */
export interface Refusal {
  field: string;
  message: string;
  collection: string;
  id: number;
}

/**
 * The problems that concern an item being saved: on a new item, all of them; on an
 * existing one, those that depend on a field the save writes. Problems elsewhere in the
 * course, or on fields the save leaves alone, never block it (the worker reports them
 * in `content_issues`).
 */
export function refusals(problems: Problem[], touches: Touch[]): Refusal[] {
  const out: Refusal[] = [];
  const seen = new Set<string>();
  for (const problem of problems) {
    const depends = problem.fields?.length ? problem.fields : [problem.field];
    for (const touch of touches) {
      if (touch.collection !== problem.collection || touch.id !== problem.id)
        continue;
      const written = depends.filter((field) => touch.fields.includes(field));
      if (!touch.isNew && written.length === 0) continue;
      const field =
        touch.showAt ??
        (touch.fields.includes(problem.field)
          ? problem.field
          : (written[0] ?? problem.field));
      const key = `${field}\u0000${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({
          field,
          message: problem.message,
          collection: touch.collection,
          id: touch.id,
        });
      }
      break;
    }
  }
  return out;
}
