/**
 * Who may call: the worker's Directus user, i.e. a user whose role is named
 * `Pathwise Worker` (provisioned by `pathwise provision`). Admins are refused too: the
 * endpoints skip Directus' permissions, so only the worker gets them.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Knex } from "knex";

export const WORKER_ROLE = "Pathwise Worker";

export interface Caller {
  user?: string | null;
  role?: string | null;
}

/** Finds the worker role's id; remembered once found (provisioning may come after start). */
export function workerRole(db: Knex): () => Promise<string | null> {
  let known: string | null = null;
  return async () => {
    if (known === null) {
      const row = (await db("directus_roles")
        .where("name", WORKER_ROLE)
        .first("id")) as { id: string } | undefined;
      known = row ? String(row.id) : null;
    }
    return known;
  };
}

export function isWorker(
  caller: Caller | null | undefined,
  roleId: string | null,
): boolean {
  return Boolean(caller?.user && roleId && caller.role === roleId);
}

/**
 * Whether `token` is the static token of an active user with the worker's role, compared
 * in constant time with each such token (there is one: the worker's service user).
 */
export async function isWorkerToken(
  db: Knex,
  token: string | undefined,
  roleId: string | null,
): Promise<boolean> {
  if (!token || !roleId) return false;
  const users = (await db("directus_users")
    .where({ role: roleId, status: "active" })
    .whereNotNull("token")
    .select("token")) as { token: string }[];
  return users.some((user) => sameSecret(user.token, token));
}

export function sameSecret(known: string, given: string): boolean {
  const a = createHash("sha256").update(known).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}
