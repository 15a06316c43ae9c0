/**
 * `/pathwise`: the worker's fast path into Directus (docs/extension.md).
 *
 * - `GET  /pathwise`: tells the worker the extension is here.
 * - `GET  /pathwise/attempts/:id/state`: the attempt and its student's state, one call.
 * - `POST /pathwise/attempts/:id/outcome`: the whole outcome, one transaction.
 * - `POST /pathwise/submissions`: the synchronous path's create-as-the-student and read.
 *
 * Every handler catches its own errors and hands them to Directus (`next`): an async
 * throw in an endpoint kills the whole Directus process.
 */
import { defineEndpoint } from "@directus/extensions-sdk";
import type { NextFunction, Request, Response } from "express";
import type { Knex } from "knex";
import { type FieldMap, vendorOf } from "../lib/columns.js";
import { applyOutcome } from "../lib/apply.js";
import {
  AttemptNotFoundError,
  ForbiddenError,
  invalid,
} from "../lib/errors.js";
import { coreEmitter, emitWrites } from "../lib/events.js";
import { parseOutcome, type Schema, WRITABLE } from "../lib/outcome.js";
import { readState } from "../lib/state.js";
import {
  type Caller,
  isWorker,
  isWorkerToken,
  workerRole,
} from "../lib/worker.js";
import { version } from "../../package.json";

/** What Directus puts on a request. */
type DirectusRequest = Request & {
  accountability?: Caller | null;
  schema: {
    collections: Record<
      string,
      { fields: Record<string, { type: string; special?: string[] | null }> }
    >;
  };
};

const RECENT_DAYS = 7;

/** The collections the extension reads or writes, and no others. */
const PATHWISE_COLLECTIONS = ["attempts", ...Object.keys(WRITABLE)];

/**
 * Built from the few collections Pathwise uses (all of them cost about 0.8 ms a call),
 * and kept per schema object: with CACHE_SCHEMA_FREEZE_ENABLED Directus hands every
 * request the same frozen schema; without it, each request gets a deep copy.
 */
const fieldMapsBySchema = new WeakMap<object, Schema>();

function fieldMaps(schema: DirectusRequest["schema"]): Schema {
  const cached = fieldMapsBySchema.get(schema);
  if (cached) return cached;
  const out: Schema = {};
  for (const name of PATHWISE_COLLECTIONS) {
    const collection = schema.collections[name];
    if (!collection) continue;
    const fields: FieldMap = {};
    for (const [field, info] of Object.entries(collection.fields))
      fields[field] = { type: info.type, special: info.special ?? [] };
    out[name] = fields;
  }
  fieldMapsBySchema.set(schema, out);
  return out;
}

function attemptId(value: string | undefined): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1)
    throw invalid("id", "the attempt id must be a positive integer");
  return id;
}

type Handler = (req: DirectusRequest, res: Response) => Promise<void>;

/** Runs a handler, passing any error to Directus' error handler. */
const guarded =
  (handler: Handler) => (req: Request, res: Response, next: NextFunction) => {
    handler(req as DirectusRequest, res).catch(next);
  };

export default defineEndpoint({
  id: "pathwise",
  handler: (router, { database, services, logger, env }) => {
    const db = database as unknown as Knex;
    const vendor = vendorOf(db.client.config.client);
    const roleId = workerRole(db);
    const onlyWorker = async (req: DirectusRequest) => {
      if (!isWorker(req.accountability, await roleId()))
        throw new ForbiddenError();
    };
    const stateOf = async (req: DirectusRequest, id: number) => {
      const since =
        typeof req.query["recent_since"] === "string"
          ? new Date(req.query["recent_since"])
          : new Date(Date.now() - RECENT_DAYS * 86_400_000);
      if (Number.isNaN(since.getTime()))
        throw invalid("recent_since", "must be an ISO 8601 timestamp");
      const state = await readState(
        db,
        fieldMaps(req.schema),
        vendor,
        id,
        since,
      );
      if (!state) throw new AttemptNotFoundError({ attempt: id });
      return state;
    };

    router.get(
      "/",
      guarded(async (req, res) => {
        await onlyWorker(req);
        res.json({ data: { extension: "pathwise", version, api: 1 } });
      }),
    );

    router.get(
      "/attempts/:id/state",
      guarded(async (req, res) => {
        await onlyWorker(req);
        res.json({ data: await stateOf(req, attemptId(req.params["id"])) });
      }),
    );

    router.post(
      "/attempts/:id/outcome",
      guarded(async (req, res) => {
        await onlyWorker(req);
        const id = attemptId(req.params["id"]);
        const schema = fieldMaps(req.schema);
        const outcome = parseOutcome(req.body, schema);
        const applied = await applyOutcome(db, schema, vendor, id, outcome);
        if (applied.events.length > 0) {
          // Plain SQL bypasses Directus' data cache: purge it as ItemsService would
          // (CACHE_AUTO_PURGE), or cached reads would show learner records as they were.
          if (env["CACHE_ENABLED"] && env["CACHE_AUTO_PURGE"]) {
            const items = new services.ItemsService("attempts", {
              schema: req.schema as never,
            });
            await (
              items as unknown as { cache?: { clear(): Promise<void> } }
            ).cache?.clear();
          }
          const emitter = await coreEmitter(logger);
          if (emitter)
            emitWrites(emitter, applied.events, {
              database: db,
              schema: req.schema,
              accountability: req.accountability,
            });
        }
        res.json({ data: applied.answer });
      }),
    );

    router.post(
      "/submissions",
      guarded(async (req, res) => {
        const proof = req.header("x-pathwise-worker-token");
        if (!(await isWorkerToken(db, proof, await roleId())))
          throw new ForbiddenError();
        if (!req.accountability?.user) throw new ForbiddenError();
        // As the student: Directus' permissions and presets decide. No action events: no
        // flow delivers this attempt to the worker, which is grading it already.
        const attempts = new services.ItemsService("attempts", {
          schema: req.schema as never,
          accountability: req.accountability as never,
        });
        const id = Number(
          await attempts.createOne(req.body ?? {}, { emitEvents: false }),
        );
        res.json({ data: await stateOf(req, id) });
      }),
    );
  },
});
