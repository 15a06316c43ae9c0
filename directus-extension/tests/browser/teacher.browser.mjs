// A teacher follows their own cohort in the Pathwise module, and sees no one else.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchBrowser, PathwiseModule, Person } from "./support.mjs";

describe("a teacher", () => {
  let browser;
  let teacher;
  let pathwise;

  before(async () => {
    browser = await launchBrowser();
    teacher = new Person(browser, "teacher@example.com");
    await teacher.login();
    pathwise = new PathwiseModule(teacher);
  });

  after(async () => {
    teacher?.reportRefused();
    await teacher?.close();
    await browser?.close();
  });

  it("finds the module in the admin app's module bar", async () => {
    await pathwise.openFromModuleBar();
    // The module opens on its course map.
    await teacher.sees(
      teacher.page.locator("header").getByText("Course map"),
      "the course map, where the module opens",
    );
  });

  it("opens the module and sees their cohort only: Ada and Ben, not Chloé", async () => {
    await pathwise.open("Cohorts");
    const heatMap = teacher.page.locator("table.heat");
    await teacher.sees(heatMap.getByText("Ada Student"), "Ada in the heat map");
    await teacher.sees(heatMap.getByText("Ben Student"), "Ben in the heat map");
    assert.equal(
      await teacher.page.getByText("Chloé").count(),
      0,
      "Chloé is in no cohort of this teacher's",
    );
    // Every skill of the demo course is a column.
    for (const skill of [
      "Understanding fractions",
      "Comparing and ordering fractions",
    ]) {
      await teacher.sees(
        heatMap.getByRole("columnheader", { name: skill }),
        skill,
      );
    }
    await teacher.screenshot("cohort-view");
  });

  it("is told who is stuck, by a rule written on the page", async () => {
    await pathwise.open("Cohorts");
    await teacher.sees(
      teacher.page.getByText(/none of their last 3\s+graded attempts/),
      "the stuck rule",
    );
    // Ben failed his last three attempts (admin_ui.rs); Ada has had only two.
    await teacher.sees(
      teacher.page.locator(".v-notice", { hasText: "Ben Student is stuck" }),
      "that Ben is stuck",
    );
    assert.equal(
      await teacher.page
        .locator(".v-notice", { hasText: "Ada Student is stuck" })
        .count(),
      0,
    );
  });

  it("picks among their own students only in the student view", async () => {
    await pathwise.open("Students");
    const students = await pathwise.choices("Student");
    assert.deepEqual(
      students.map((text) => text.split(" (")[0]),
      ["Ada Student", "Ben Student"],
    );
  });

  it("sees pass rates counted over their cohort's attempts only", async () => {
    await pathwise.open("Course map");
    // Graded on "What is a fraction?": Ada passed once, Ben failed three times (their
    // cohort); Chloé passed once, outside it. The teacher counts 1 of 4.
    await teacher.sees(
      teacher.page.getByRole("img", {
        name: "What is a fraction?: 25% passed (1 of 4 graded attempts)",
      }),
      "the first lesson's pass rate over their cohort",
    );
  });
});
