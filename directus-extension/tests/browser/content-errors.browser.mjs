// An editor saves broken content in Directus' own item form, is told what is wrong at the
// field, fixes it and saves. The save-time checks are the extension's hooks, which ask the
// worker (POST /v1/validate); the admin UI of Directus 11.17.4 lists a save's field errors
// under "The following fields have invalid values", each under the field's own label
// (clicking it scrolls to the field).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { directusUrl, launchBrowser, PATIENCE, Person } from "./support.mjs";

/** Directus' item form, as an editor uses it. */
class ItemForm {
  constructor(person) {
    this.person = person;
    this.page = person.page;
  }

  async open(collection, title) {
    await this.page.goto(`${directusUrl}/admin/content/${collection}`);
    // The collection's search, as a person finds an item among many.
    await this.page.locator(".search-input .icon-search").click();
    await this.page.getByPlaceholder("Search Items...").fill(title);
    await this.page.getByText(title, { exact: true }).first().click();
    await this.page.waitForURL(new RegExp(`/content/${collection}/\\d+$`), {
      timeout: PATIENCE,
    });
    await this.field(collection === "lessons" ? "Title" : "Prompt").waitFor({
      timeout: PATIENCE,
    });
  }

  /** A field of the form, by its label. */
  field(label) {
    return this.page
      .locator(".field", {
        has: this.page.locator(".field-label", {
          hasText: new RegExp(`^\\s*${label}`),
        }),
      })
      .first();
  }

  async save() {
    await this.page
      .locator('header.header-bar .v-button:has(i[data-icon="check"])')
      .first()
      .click();
  }

  /** The form's list of invalid fields: [{field, message}]. */
  async errors() {
    const notice = this.page.locator(".validation-errors");
    await this.person.sees(notice, "the form's list of invalid fields");
    return notice.locator("li.validation-error").evaluateAll((items) =>
      items.map((item) => {
        const field = item.querySelector(".field")?.textContent?.trim() ?? "";
        const text = item.textContent?.trim() ?? "";
        return {
          field,
          message: text.slice(field.length).replace(/^:\s*/, ""),
        };
      }),
    );
  }

  /** Saving went through: Directus goes back to the collection's list. */
  async saved(collection) {
    await this.page.waitForURL(
      (url) => url.pathname.endsWith(`/content/${collection}`),
      { timeout: PATIENCE },
    );
  }
}

describe("an editor saving broken content", () => {
  let browser;
  let editor;
  let form;

  before(async () => {
    browser = await launchBrowser();
    editor = new Person(browser, "editor@example.com");
    await editor.login();
    form = new ItemForm(editor);
  });

  after(async () => {
    editor?.reportRefused();
    await editor?.close();
    await browser?.close();
  });

  it("is told at the field that a prerequisite makes a cycle, fixes it and saves", async () => {
    const page = editor.page;
    await form.open("lessons", "What is a fraction?");
    // "Simplifying fractions" requires "Equivalent fractions", which requires this lesson.
    const prerequisites = form.field("Prerequisites");
    await prerequisites.scrollIntoViewIfNeeded();
    await prerequisites.getByRole("button", { name: "Add Existing" }).click();
    const drawer = page.locator(".v-drawer").last();
    // The drawer opens with the lessons list's last search ("What is a fraction?", from
    // finding this lesson): search it for the prerequisite instead.
    const search = drawer.getByPlaceholder("Search Items...");
    await search.fill("Simplifying fractions");
    await drawer.getByText("Simplifying fractions").first().click();
    await drawer.locator('.v-button:has(i[data-icon="check"])').last().click();
    await editor.sees(
      prerequisites.getByText("Simplifying fractions"),
      "the new prerequisite in the field",
    );
    await form.save();

    const errors = await form.errors();
    await page.locator(".validation-errors").scrollIntoViewIfNeeded();
    await editor.screenshot("editor-field-error", { whole: false });
    assert.deepEqual(
      errors.map((error) => error.field),
      ["Prerequisites"],
      `the error names the form's Prerequisites field: ${JSON.stringify(errors)}`,
    );
    assert.match(
      errors[0].message,
      /'What is a fraction\?' requires 'Simplifying fractions', which requires 'Equivalent fractions', which requires 'What is a fraction\?'/,
    );

    // The fix: remove the prerequisite again, and save.
    await prerequisites
      .locator(".v-list-item", { hasText: "Simplifying fractions" })
      .locator(
        '.v-icon:has(i[data-icon="close"]), .v-icon:has(i[data-icon="delete"])',
      )
      .first()
      .click();
    await form.save();
    await form.saved("lessons");
    await form.open("lessons", "What is a fraction?");
    await editor.sees(
      form.field("Prerequisites").getByText("No items"),
      "no prerequisite left on the first lesson",
    );
  });

  it("is told at the field that an answer key names no choice, fixes it and saves", async () => {
    const page = editor.page;
    await form.open(
      "questions",
      "Which of these fractions are equal to one whole? Choose all that apply.",
    );
    const answerKey = form.field("Answer Key");
    const typeKey = async (key) => {
      await answerKey.scrollIntoViewIfNeeded();
      await answerKey.locator(".CodeMirror").click();
      await page.keyboard.press("Control+A");
      await page.keyboard.type(key);
    };
    // A slip of the finger: "z" for "d".
    await typeKey('{"correct": ["a", "c", "z"]}');
    await form.save();

    const errors = await form.errors();
    await page.locator(".validation-errors").scrollIntoViewIfNeeded();
    await editor.screenshot("editor-answer-key-error", { whole: false });
    assert.deepEqual(
      errors.map((error) => error.field),
      ["Answer Key"],
    );
    assert.match(
      errors[0].message,
      /"z", which is not one of the question's choices/,
    );

    // The fix (partial credit is the default, so the key is written without it now).
    await typeKey('{"correct": ["a", "c", "d"]}');
    await form.save();
    await form.saved("questions");
  });
});
