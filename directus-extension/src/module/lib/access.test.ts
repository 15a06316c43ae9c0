import type { CollectionAccess } from "@directus/types";
import { describe, expect, it } from "vitest";
import { mayUseModule } from "./access.js";

function reads(
  entries: Record<string, "none" | "partial" | "full">,
): CollectionAccess {
  const access: CollectionAccess = {};
  for (const [collection, read] of Object.entries(entries)) {
    access[collection] = {
      read: { access: read },
      create: { access: "none" },
      update: { access: "none" },
      delete: { access: "none" },
      share: { access: "none" },
    };
  }
  return access;
}

describe("who may open the module", () => {
  const staff = reads({
    lessons: "full",
    attempts: "partial",
    mastery: "partial",
  });

  it("is admins, and app users who may read lessons and learner records", () => {
    expect(mayUseModule({ admin_access: true }, {})).toBe(true);
    expect(mayUseModule({ app_access: true }, staff)).toBe(true);
  });

  it("is never someone without app access, such as a student", () => {
    expect(mayUseModule({ app_access: false }, staff)).toBe(false);
  });

  it("is not an app user who cannot read learner records", () => {
    expect(
      mayUseModule(
        { app_access: true },
        reads({ lessons: "full", attempts: "none", mastery: "partial" }),
      ),
    ).toBe(false);
    expect(mayUseModule({ app_access: true }, reads({ lessons: "full" }))).toBe(
      false,
    );
  });
});
