/** Who may open the Pathwise module (its `preRegisterCheck`). */
import type { CollectionAccess } from "@directus/types";

/**
 * Who gets the module: admins, and app users who may read lessons and learner records
 * (editors, teachers). Students have no app access at all (their policy has
 * `app_access: false`), so the admin app never starts for them; this check also keeps
 * the module away from any other app user who could not read what it shows.
 */
export function mayUseModule(
  user: { admin_access?: boolean; app_access?: boolean },
  permissions: CollectionAccess,
): boolean {
  if (user.admin_access) return true;
  if (!user.app_access) return false;
  const readable = (collection: string) => {
    const access = permissions[collection]?.read?.access;
    return access === "full" || access === "partial";
  };
  return ["lessons", "attempts", "mastery"].every(readable);
}
