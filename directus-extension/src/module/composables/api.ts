/**
 * Reading Directus items through the app's own API client (`useApi()`): every request
 * carries the signed-in user's session, so Directus' permissions decide what the module
 * shows. Queries are sent the way Directus parses them: JSON for filters and aggregates,
 * comma-separated lists for fields, sort and groupBy.
 */
import type { useApi } from "@directus/extensions-sdk";

export type Api = ReturnType<typeof useApi>;

export interface ItemsQuery {
  fields: string[];
  filter?: Record<string, unknown>;
  sort?: string[];
  /** -1: every item (Directus' default is 100). */
  limit?: number;
  aggregate?: Record<string, string[]>;
  groupBy?: string[];
}

export function toParams(query: ItemsQuery): Record<string, string | number> {
  const params: Record<string, string | number> = {
    fields: query.fields.join(","),
    limit: query.limit ?? -1,
  };
  if (query.filter) params.filter = JSON.stringify(query.filter);
  if (query.sort) params.sort = query.sort.join(",");
  if (query.aggregate) params.aggregate = JSON.stringify(query.aggregate);
  if (query.groupBy) params.groupBy = query.groupBy.join(",");
  return params;
}

export async function readItems<T>(
  api: Api,
  collection: string,
  query: ItemsQuery,
): Promise<T[]> {
  const response = await api.get(`/items/${collection}`, {
    params: toParams(query),
  });
  return (response.data?.data ?? []) as T[];
}

/** `{lesson: {module: {course: {_eq: id}}}}`: rows whose lesson is in the course. */
export function lessonInCourse(course: number): Record<string, unknown> {
  return { lesson: { module: { course: { _eq: course } } } };
}
