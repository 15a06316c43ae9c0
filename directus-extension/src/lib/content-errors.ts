/**
 * The error a refused save answers, shaped as Directus' own FailedValidationError
 * (`@directus/validation`; ItemsService throws an array of them): code
 * `FAILED_VALIDATION`, status 400, extensions `{field, path, type}`. The admin UI lists
 * it under "The following fields have invalid values" as "<field>: <message>" and marks
 * the field: it reads `validation_message` from the error before the field's own
 * `meta.validation_message`, so the editor reads the worker's sentence (seen in
 * Chromium). `type` is one the admin UI has a translation for ("regex"): where it falls
 * back to `type`, an unknown one would show a raw translation key.
 */
import { createError } from "@directus/errors";
import type { Refusal } from "./content-edits.js";

export interface RefusalExtensions {
  field: string;
  path: string[];
  type: string;
  validation_message: string;
}

export const ContentRefusedError = createError<RefusalExtensions>(
  "FAILED_VALIDATION",
  ({ validation_message }) => validation_message,
  400,
);

/** One error per refusal; Directus' error handler answers them all, GraphQL the first. */
export function refusalErrors(refusals: Refusal[]): Error[] {
  return refusals.map(
    (refusal) =>
      new ContentRefusedError({
        field: refusal.field,
        path: [],
        type: "regex",
        validation_message: refusal.message,
      }),
  );
}
