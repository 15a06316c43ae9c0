// A content editor reads the course map and a student's progress in the Pathwise module.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  directusUrl,
  launchBrowser,
  PathwiseModule,
  Person,
} from "./support.mjs";

describe("an editor", () => {
  let browser;
  let editor;
  let pathwise;

  before(async () => {
    browser = await launchBrowser();
    editor = new Person(browser, "editor@example.com");
    await editor.login();
    pathwise = new PathwiseModule(editor);
  });

  after(async () => {
    editor?.reportRefused();
    await editor?.close();
    await browser?.close();
  });

  it("finds the Insights dashboard with its panels", async () => {
    const page = editor.page;
    await page.goto(`${directusUrl}/admin/insights`);
    await page.getByText("Insights", { exact: true }).last().click();
    for (const panel of [
      "Attempts per day",
      "Open content issues",
      "Pass rate per lesson",
      "Struggling skills",
      "Students who mastered each skill",
    ]) {
      await editor.sees(
        page.getByText(panel, { exact: true }),
        `the "${panel}" panel`,
      );
    }
    // The pass-rate chart has one bar per lesson with graded attempts (admin_ui.rs).
    await editor.sees(
      page.locator(".apexcharts-bar-area").first(),
      "a bar of the pass-rate chart",
    );
    await editor.screenshot("insights");
  });

  it("sees the demo course's lessons on the course map with their pass rates", async () => {
    await pathwise.open("Course map");
    const page = editor.page;
    // Graded on "What is a fraction?" (admin_ui.rs): Ada and Chloé passed, Ben failed
    // three times; on "Fractions on the number line" Ada failed once.
    await editor.sees(
      page.getByRole("img", {
        name: "What is a fraction?: 40% passed (2 of 5 graded attempts)",
      }),
      "the first lesson's pass rate",
    );
    await editor.sees(
      page.getByRole("img", {
        name: "Fractions on the number line: 0% passed (0 of 1 graded attempt)",
      }),
      "the number line lesson's pass rate",
    );
    await editor.sees(
      page.getByRole("img", {
        name: "Ordering fractions: no graded attempts yet",
      }),
      "a lesson nobody tried yet",
    );
    // Every published lesson and the draft one is on the map, arrows between them.
    assert.equal(await page.locator("svg g.lesson").count(), 10);
    assert.ok((await page.locator("svg path.arrow").count()) >= 10);
    // Remediation lessons are named as detours, not drawn as steps.
    await editor.sees(
      page.getByText(/Remediation lessons \(detours/),
      "the detours",
    );
    // The table says what each lesson requires.
    const row = page
      .locator("table.lessons tr", { hasText: "Comparing fractions" })
      .first();
    await editor.sees(row, "the lessons table");
    assert.match(
      await row.innerText(),
      /Fractions on the number line, Equivalent fractions|Equivalent fractions, Fractions on the number line/,
    );
    await editor.screenshot("course-map");
  });

  it("sees a student's path, mastery bars and recommendations with reasons", async () => {
    await pathwise.open("Students");
    await pathwise.pick("Student", "Ada Student");
    const page = editor.page;
    await editor.sees(
      page.getByRole("heading", { name: "Learning path" }),
      "the path",
    );
    // Ada passed the first lesson and failed the number line (admin_ui.rs).
    const steps = page.locator("li.step");
    await editor.sees(steps, "the path's steps");
    await editor.sees(
      page.locator("li.step.done", { hasText: "What is a fraction?" }),
      "the first lesson done",
    );
    await editor.sees(page.locator("li.step.current"), "the current lesson");
    await editor.sees(page.locator("li.step.locked"), "locked lessons");
    // Mastery as bars, one per skill practised.
    await editor.sees(
      page.getByText("Understanding fractions"),
      "a skill's name",
    );
    assert.ok((await page.locator(".mastery .v-progress-linear").count()) >= 1);
    // Recommendations with the worker's reasons.
    const recommendations = page.locator("ul.recommendations li");
    await editor.sees(recommendations, "recommendations");
    const reasons = await page
      .locator("ul.recommendations .reason")
      .allInnerTexts();
    assert.ok(
      reasons.length > 0 &&
        reasons.every((reason) => reason.trim().length > 10),
    );
    await editor.sees(
      page.locator("ul.recommendations .kind", { hasText: "Remediation" }),
      "a remediation after a failed lesson",
    );
    // Recent attempts with their scores.
    await editor.sees(
      page.locator("table.attempts td", { hasText: "100%" }),
      "a score",
    );
    await editor.screenshot("student-view");
  });
});
