/**
 * One attempt's outcome in ONE database transaction: all or nothing, once per attempt,
 * refused when the student's profile version moved since the worker read it. Plain SQL
 * (knex): the same writes through ItemsService cost Directus 2-3 times the CPU. The rows
 * written are returned so that the caller can emit Directus' action events AFTER the
 * commit (realtime subscribers re-read what they are told about).
 */
import type { Knex } from "knex";
import { type FieldMap, type Vendor, toColumn } from "./columns.js";
import {
  AttemptNotFoundError,
  KeyTakenError,
  StaleStateError,
  constraintViolation,
  invalid,
} from "./errors.js";
import type { Outcome, RowWrite, Schema } from "./outcome.js";

export interface Applied {
  /** The same answer for the first application and every replay. */
  answer: { attempt: number; status: string };
  /** What was written, for the action events; empty for a replay. */
  events: WriteEvent[];
}

export type WriteEvent =
  | {
      action: "create";
      collection: string;
      key: number;
      payload: Record<string, unknown>;
    }
  | {
      action: "update";
      collection: string;
      keys: number[];
      payload: Record<string, unknown>;
    };

function columns(
  fields: FieldMap,
  values: Record<string, unknown>,
  vendor: Vendor,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values))
    out[name] = toColumn(fields[name], value, vendor);
  return out;
}

/** Directus' `date-created` / `date-updated` fields, which plain SQL must set itself. */
function stamps(
  fields: FieldMap,
  op: "create" | "update",
  now: Date,
  vendor: Vendor,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (
      (op === "create" && field.special.includes("date-created")) ||
      (op === "update" && field.special.includes("date-updated"))
    ) {
      out[name] = toColumn(field, now.toISOString(), vendor);
    }
  }
  return out;
}

/**
 * The creates grouped into INSERT statements: rows of one collection that set the same
 * fields and carry a unique `key` go in one statement (a mastery row per skill, three
 * recommendations); anything else is inserted alone.
 */
export function insertBatches(creates: RowWrite[]): RowWrite[][] {
  const batches = new Map<string, RowWrite[]>();
  const alone: RowWrite[][] = [];
  for (const create of creates) {
    if (typeof create.values["key"] !== "string") {
      alone.push([create]);
      continue;
    }
    const shape = `${create.collection}:${Object.keys(create.values).sort().join(",")}`;
    const batch = batches.get(shape);
    if (batch) batch.push(create);
    else batches.set(shape, [create]);
  }
  return [...batches.values(), ...alone];
}

function insertedId(result: unknown): number {
  const first = Array.isArray(result) ? result[0] : result;
  return Number(
    typeof first === "object" && first !== null
      ? (first as { id: unknown }).id
      : first,
  );
}

function staleProfile(version: number): Error {
  return new StaleStateError({
    reason: `the profile is no longer at version ${version}`,
  });
}

export async function applyOutcome(
  db: Knex,
  schema: Schema,
  vendor: Vendor,
  attemptId: number,
  outcome: Outcome,
): Promise<Applied> {
  const fields = (collection: string) => schema[collection] ?? {};
  const now = new Date();
  try {
    return await db.transaction(async (trx) => {
      // Marking the attempt first decides, in one statement, whether this outcome is the
      // one that grades it: a second application (a replay, or another replica on
      // PostgreSQL, which waits here for the row lock) finds it no longer submitted.
      const marked = (await trx("attempts")
        .where({ id: attemptId, status: "submitted" })
        .update(columns(fields("attempts"), outcome.attempt, vendor))
        .returning(["student"])) as { student: unknown }[];
      if (marked.length !== 1) {
        const attempt = (await trx("attempts")
          .where("id", attemptId)
          .first("status")) as { status: string } | undefined;
        if (!attempt) throw new AttemptNotFoundError({ attempt: attemptId });
        return {
          answer: { attempt: attemptId, status: attempt.status },
          events: [],
        };
      }
      const student = String(marked[0]!.student);

      const mine = (write: RowWrite) => {
        if (
          write.values["student"] !== undefined &&
          String(write.values["student"]) !== student
        ) {
          throw invalid(
            `${write.place}.student`,
            `must be the attempt's student (${student})`,
          );
        }
      };
      [...outcome.creates, ...outcome.updates].forEach(mine);
      for (const create of outcome.creates) {
        if (create.values["student"] === undefined)
          throw invalid(`${create.place}.student`, "is required");
      }

      const events: WriteEvent[] = [];
      // The version check rides on the profile's own update when the outcome has one, and
      // comes before any other write.
      const version = outcome.version ?? 0;
      const profileUpdate = outcome.updates.find(
        (u) => u.collection === "student_profiles",
      );
      const applyUpdate = async (update: RowWrite, checked: boolean) => {
        const { version: _ignored, ...values } = update.values;
        const row = {
          ...columns(fields(update.collection), values, vendor),
          ...stamps(fields(update.collection), "update", now, vendor),
          ...(checked ? { version: version + 1 } : {}),
        };
        const changed = await trx(update.collection)
          .where({
            id: update.id,
            student,
            ...(checked ? { version } : {}),
          })
          .update(row);
        if (changed !== 1) {
          if (checked) {
            const exists = await trx(update.collection)
              .where({ id: update.id, student })
              .first("id");
            if (exists) throw staleProfile(version);
          }
          throw invalid(
            `${update.place}.id`,
            `no ${update.collection} item ${update.id} of this student`,
          );
        }
        events.push({
          action: "update",
          collection: update.collection,
          keys: [update.id as number],
          payload: values,
        });
      };
      if (outcome.status === "graded") {
        if (outcome.version === null || outcome.version === undefined) {
          const existing = await trx("student_profiles")
            .where("student", student)
            .first("version");
          if (existing)
            throw new StaleStateError({
              reason: `the profile was created since (version ${existing.version})`,
            });
        } else if (profileUpdate) {
          await applyUpdate(profileUpdate, true);
        } else {
          const bumped = await trx("student_profiles")
            .where({ student, version: outcome.version })
            .update({ version: outcome.version + 1 });
          if (bumped !== 1) throw staleProfile(outcome.version);
        }
      }

      if (outcome.superseded.length > 0) {
        const superseded = {
          status: "superseded",
          ...stamps(fields("recommendations"), "update", now, vendor),
        };
        await trx("recommendations")
          .whereIn("id", outcome.superseded)
          .where({ student, status: "active" })
          .update(superseded);
        events.push({
          action: "update",
          collection: "recommendations",
          keys: outcome.superseded,
          payload: { status: "superseded" },
        });
      }
      for (const batch of insertBatches(outcome.creates)) {
        const rows = batch.map((create) => {
          const values =
            create.collection === "student_profiles"
              ? { ...create.values, version: 1 }
              : create.values;
          return {
            values,
            row: {
              ...columns(fields(create.collection), values, vendor),
              ...stamps(fields(create.collection), "create", now, vendor),
            },
          };
        });
        const collection = batch[0]!.collection;
        const keyed = batch.length > 1;
        const returned = (await trx(collection)
          .insert(rows.map((r) => r.row))
          .returning(keyed ? ["id", "key"] : ["id"])) as unknown[];
        rows.forEach(({ values }) => {
          // Several rows in one INSERT: neither vendor promises RETURNING's order, so
          // each row's id is found by its unique key.
          const key = keyed
            ? insertedId(
                returned.find(
                  (r) => (r as { key: unknown }).key === values["key"],
                ),
              )
            : insertedId(returned);
          events.push({ action: "create", collection, key, payload: values });
        });
      }
      for (const update of outcome.updates)
        if (update !== profileUpdate) await applyUpdate(update, false);

      events.push({
        action: "update",
        collection: "attempts",
        keys: [attemptId],
        payload: outcome.attempt,
      });
      return { answer: { attempt: attemptId, status: outcome.status }, events };
    });
  } catch (error) {
    const violation = constraintViolation(error);
    if (violation?.kind === "unique")
      throw new KeyTakenError({ detail: violation.where });
    if (violation)
      throw invalid(
        "writes",
        `a value refers to an item that does not exist, or a required field is missing (${violation.where})`,
      );
    throw error;
  }
}
