/**
 * Values between the worker's JSON and the database, by field type (from Directus'
 * schema), for the two vendors Pathwise runs on. Directus' own SQLite helper stores
 * timestamps as milliseconds since the epoch and JSON as text; PostgreSQL has
 * `timestamptz` and `json` columns that the driver converts itself.
 */

export type Vendor = "sqlite" | "postgres";

/** What the conversions need of a Directus field. */
export interface FieldInfo {
  type: string;
  special: string[];
}

export type FieldMap = Record<string, FieldInfo>;

const TIMESTAMP_TYPES = new Set(["timestamp", "dateTime", "date"]);
const NUMBER_TYPES = new Set(["integer", "bigInteger", "float", "decimal"]);

export function vendorOf(client: unknown): Vendor {
  return client === "pg" || client === "postgres" || client === "postgresql"
    ? "postgres"
    : "sqlite";
}

/** A timestamp as the column takes it. */
export function timestampColumn(value: Date, vendor: Vendor): Date | number {
  return vendor === "sqlite" ? value.getTime() : value;
}

/** A JSON-level value (already validated) as the column takes it. */
export function toColumn(
  field: FieldInfo | undefined,
  value: unknown,
  vendor: Vendor,
): unknown {
  if (value === null || value === undefined || !field) return value ?? null;
  if (field.type === "json") return JSON.stringify(value);
  if (TIMESTAMP_TYPES.has(field.type))
    return timestampColumn(new Date(value as string), vendor);
  if (field.type === "boolean") return value === true;
  if (NUMBER_TYPES.has(field.type) && typeof value === "string")
    return Number(value);
  return value;
}

/** A column's value as JSON, the way Directus' API shows it. */
export function fromColumn(
  field: FieldInfo | undefined,
  value: unknown,
): unknown {
  if (value === null || value === undefined) return null;
  if (!field) return value;
  if (field.type === "json")
    return typeof value === "string" ? parseJson(value) : value;
  if (TIMESTAMP_TYPES.has(field.type)) return isoTimestamp(value);
  if (field.type === "boolean")
    return value === true || value === 1 || value === "1" || value === "true";
  if (NUMBER_TYPES.has(field.type) && typeof value === "string")
    return Number(value);
  return value;
}

/** JSON text, or the text itself when it is not JSON (as Directus shows it). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isoTimestamp(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return new Date(value).toISOString();
  if (typeof value === "string") {
    if (/^\d+$/.test(value)) return new Date(Number(value)).toISOString();
    const parsed = new Date(
      value.includes("T") || value.includes("Z")
        ? value
        : `${value.replace(" ", "T")}Z`,
    );
    return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
  }
  return null;
}

/** A whole row from the database, every field converted. */
export function rowFromColumns(
  fields: FieldMap,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row))
    out[name] = fromColumn(fields[name], value);
  return out;
}
