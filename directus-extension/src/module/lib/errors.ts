/**
 * Failed requests, told in an editor's or a teacher's words. Everything the module shows
 * is read with the signed-in user's own access, so "not allowed" is an expected answer,
 * not a crash.
 */

interface HttpishError {
  response?: {
    status?: number;
    data?: { errors?: { message?: string; extensions?: { code?: string } }[] };
  };
  message?: string;
}

/** A sentence for the page: what could not be loaded, why, and what to do. */
export function describeError(error: unknown, what: string): string {
  const failure = (error ?? {}) as HttpishError;
  const response = failure.response;
  if (!response) {
    return `Could not load ${what}: Directus could not be reached. Check your connection, then reload the page.`;
  }
  const first = response.data?.errors?.[0];
  const code = first?.extensions?.code;
  if (response.status === 401 || code === "TOKEN_EXPIRED") {
    return `Could not load ${what}: your session has ended. Sign in again.`;
  }
  if (response.status === 403 || code === "FORBIDDEN") {
    return `You may not read ${what}. Ask an administrator to give your role read access to it.`;
  }
  const detail = first?.message ?? failure.message ?? "an unexpected error";
  return `Could not load ${what}: ${detail}`;
}

/** Whether the failure is Directus saying "not allowed" (or "no such collection", which it says the same way). */
export function isForbidden(error: unknown): boolean {
  const failure = (error ?? {}) as HttpishError;
  return (
    failure.response?.status === 403 ||
    failure.response?.data?.errors?.[0]?.extensions?.code === "FORBIDDEN"
  );
}
