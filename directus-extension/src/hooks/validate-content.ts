/**
 * Save-time validation (docs/validation.md): before Directus writes a course, skill,
 * lesson, prerequisite, question or question-skill link, the course as it WOULD be after
 * the save is sent to the worker's `POST /v1/validate`, and the save is refused with
 * `FAILED_VALIDATION` at the field when the worker finds a problem on an item being
 * saved. The rules are the worker's; this hook only reads, merges and asks.
 *
 * - Administrators are trusted: their saves are not checked (an import, the seed or a
 *   repair may pass through broken states; the worker reports what stays broken in
 *   `content_issues`).
 * - When the worker cannot answer within 2 s (down, slow, misconfigured), the save goes
 *   through and Directus logs a warning naming the items: an editor never loses work to
 *   an outage.
 */
import { defineHook } from "@directus/extensions-sdk";
import type { Knex } from "knex";
import {
  CHECKED,
  type Checked,
  type Edit,
  type Refusal,
  type Row,
  applyEdits,
  columnsOf,
  idOf,
  JUNCTION_ALIAS,
  refusals,
  savedFields,
  touchesOf,
  validationBody,
  withAliasLinks,
  withLinks,
  writesAlias,
} from "../lib/content-edits.js";
import { refusalErrors } from "../lib/content-errors.js";
import {
  courseOf,
  newCourse,
  readCourse,
  readLinks,
  readRows,
} from "../lib/content-read.js";
import {
  WorkerUnavailable,
  askWorker,
  validateUrl,
} from "../lib/content-worker.js";

interface Context {
  database: unknown;
  schema: {
    collections: Record<
      string,
      { fields: Record<string, { defaultValue?: unknown }> }
    >;
  } | null;
  accountability: { admin?: boolean; user?: string | null } | null;
}

/** A setting from the process environment, else from Directus' own (config file). */
function setting(
  env: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = process.env[name] ?? env[name];
  return value === undefined || value === null || value === ""
    ? undefined
    : String(value);
}

export default defineHook(({ filter }, { env, logger }) => {
  const secret = setting(env, "PATHWISE_WEBHOOK_SECRET");
  const workerUrl = setting(env, "PATHWISE_WORKER_URL");
  if (!secret || !workerUrl) {
    logger.warn(
      "Pathwise: PATHWISE_WEBHOOK_SECRET or PATHWISE_WORKER_URL is not set; content saves are not validated",
    );
    return;
  }
  const url = validateUrl(workerUrl);

  /**
   * Parents whose form writes a junction through its alias (a lesson saved with
   * `prerequisites`), by request: the errors of those junction rows belong at the alias,
   * where the editor made the change. Keyed by the request's accountability object,
   * which Directus hands to the nested services that write the junction rows (their
   * filters get the same object; `database` is no key: an update's filter runs before
   * Directus opens the transaction the nested saves run in). `null` stands for a parent
   * being created (its id is not known yet).
   */
  const aliasSaves = new WeakMap<object, Map<Checked, Set<number | null>>>();

  const check = async (
    collection: Checked,
    keys: unknown[] | null,
    payload: Row,
    context: Context,
  ) => {
    const db = context.database as Knex;
    const accountability = context.accountability;
    if (!accountability || accountability.admin) return;
    for (const [junction, link] of Object.entries(JUNCTION_ALIAS)) {
      if (link && link.parent === collection && link.alias in payload) {
        const saves = aliasSaves.get(accountability) ?? new Map();
        const parents =
          saves.get(junction as Checked) ?? new Set<number | null>();
        for (const key of keys ?? [null])
          parents.add(key === null ? null : idOf(key));
        saves.set(junction as Checked, parents);
        aliasSaves.set(accountability, saves);
      }
    }
    // Nothing the rules read changes (e.g. a lesson's body).
    if (
      savedFields(collection, payload).length === 0 &&
      !writesAlias(collection, payload)
    )
      return;

    const edits: Edit[] = [];
    if (keys === null) {
      edits.push({
        collection,
        id: -1,
        before: defaults(context, collection),
        payload,
      });
    } else {
      const ids = keys.map(idOf).filter((id): id is number => id !== null);
      for (const before of await readRows(db, collection, ids))
        edits.push({
          collection,
          id: idOf(before["id"]) ?? 0,
          before,
          payload,
        });
    }

    const byCourse = new Map<number, Edit[]>();
    for (const edit of edits) {
      const after = {
        ...edit.before,
        ...columnsOf(collection, payload),
        id: edit.id,
      };
      const course = await courseOf(db, collection, after);
      if (course === null) continue;
      byCourse.set(course, [...(byCourse.get(course) ?? []), edit]);
    }

    const parents = aliasSaves.get(accountability)?.get(collection);
    const link = JUNCTION_ALIAS[collection];
    const nested = (edit: Edit) => {
      if (!parents || !link) return false;
      const parent = idOf(
        columnsOf(collection, edit.payload)[link.parentField] ??
          edit.before[link.parentField],
      );
      return parents.has(parent) || parents.has(null);
    };
    const refused: Refusal[] = [];
    for (const [course, courseEdits] of byCourse) {
      let lists =
        course < 0
          ? newCourse({ ...defaults(context, "courses"), id: course })
          : await readCourse(db, course);
      // A lesson or question moved into this course brings its links along.
      const moves =
        (collection === "lessons" && "module" in payload) ||
        (collection === "questions" && "lesson" in payload);
      const links = moves
        ? await readLinks(
            db,
            collection,
            courseEdits.map((edit) => edit.id),
          )
        : null;
      if (links) lists = withLinks(lists, links.junction, links.rows);
      // The links a lesson's or question's form saves along with it.
      for (const edit of courseEdits)
        lists = withAliasLinks(lists, collection, edit.id, edit.payload);
      const body = validationBody(applyEdits(lists, courseEdits));
      try {
        const problems = await askWorker(url, secret, body);
        refused.push(
          ...refusals(
            problems,
            courseEdits.flatMap((edit) => touchesOf([edit], nested(edit))),
          ),
        );
      } catch (error) {
        if (!(error instanceof WorkerUnavailable)) throw error;
        const items = courseEdits
          .map((edit) =>
            edit.id < 0
              ? `a new ${collection} item`
              : `${collection} item ${edit.id}`,
          )
          .join(", ");
        logger.warn(
          `Pathwise: ${items} of course ${course} saved without validation: ${error.message}. The worker reports any problem in content_issues when it next loads the course.`,
        );
      }
    }
    if (refused.length > 0) throw refusalErrors(refused);
  };

  /**
   * Refusals are thrown to Directus; anything else (a bug here, a database hiccup while
   * reading) is logged and the save goes through, as when the worker is down: a broken
   * check must not stop every editor's work.
   */
  const guarded = async (
    collection: Checked,
    keys: unknown[] | null,
    payload: Row,
    context: Context,
  ) => {
    try {
      await check(collection, keys, payload, context);
    } catch (error) {
      if (Array.isArray(error)) throw error;
      logger.error(
        `Pathwise: ${collection} ${keys === null ? "new item" : `items ${keys.join(", ")}`} saved without validation: the check failed (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  };

  for (const collection of CHECKED) {
    filter<Row>(
      `${collection}.items.create`,
      async (payload, _meta, context) => {
        await guarded(
          collection,
          null,
          payload ?? {},
          context as unknown as Context,
        );
        return payload;
      },
    );
    filter<Row>(
      `${collection}.items.update`,
      async (payload, meta, context) => {
        const keys = Array.isArray(meta["keys"])
          ? (meta["keys"] as unknown[])
          : [];
        await guarded(
          collection,
          keys,
          payload ?? {},
          context as unknown as Context,
        );
        return payload;
      },
    );
  }
});

/** A new item's row before its payload: the fields' defaults from Directus' schema. */
function defaults(context: Context, collection: string): Row {
  const fields = context.schema?.collections[collection]?.fields ?? {};
  const row: Row = {};
  for (const [name, field] of Object.entries(fields))
    if (field.defaultValue !== undefined && field.defaultValue !== null)
      row[name] = field.defaultValue;
  return row;
}
