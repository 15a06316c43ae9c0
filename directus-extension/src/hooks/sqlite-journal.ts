/**
 * Switches a Directus on SQLite to write-ahead logging when it starts (lib/sqlite-journal.ts
 * says why). A failure is logged, never thrown: Directus runs on as it was.
 */
import { defineHook } from "@directus/extensions-sdk";
import type { Knex } from "knex";
import { useWal, wantsWal } from "../lib/sqlite-journal.js";

export default defineHook(({ init }, { database, env, logger }) => {
  const db = database as unknown as Knex;
  if (!wantsWal(db.client.config.client, env["PATHWISE_SQLITE_WAL"])) return;
  init("app.before", async () => {
    try {
      const mode = await useWal(db);
      if (mode !== "wal")
        logger.warn(
          `Pathwise: SQLite kept its "${mode}" journal (another connection may hold the database); commits cost more than with WAL`,
        );
    } catch (error) {
      logger.warn(
        `Pathwise: could not switch SQLite to WAL (${String(error)}); commits cost more than with WAL`,
      );
    }
  });
});
