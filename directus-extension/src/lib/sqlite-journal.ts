/**
 * SQLite's journal: Pathwise switches a Directus on SQLite to write-ahead logging (WAL).
 * Measured on 11.17.4 (BENCHMARKS.md): each commit of the worker's outcome costs the
 * database thread about a third less, and students' reads no longer wait for a grading's
 * commit. The mode is stored in the database file, so it is set once and kept.
 * `PATHWISE_SQLITE_WAL=false` leaves the journal as Directus made it (for a database on a
 * network file system, where WAL's shared memory does not work).
 */
import type { Knex } from "knex";

/** Whether to switch the journal: on SQLite, unless the operator turned it off. */
export function wantsWal(
  client: string | undefined,
  setting: unknown,
): boolean {
  if (client !== "sqlite3") return false;
  return !["false", "0", "no", "off"].includes(
    String(setting ?? "true")
      .trim()
      .toLowerCase(),
  );
}

/** Switches to WAL; answers the journal mode the database is in afterwards. */
export async function useWal(db: Knex): Promise<string> {
  const rows = (await db.raw("PRAGMA journal_mode = WAL")) as {
    journal_mode: string;
  }[];
  return String(rows[0]?.journal_mode ?? "unknown").toLowerCase();
}
