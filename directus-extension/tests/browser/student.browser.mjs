// A student cannot open the Pathwise module: the admin app is not for students.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { directusUrl, launchBrowser, Person } from "./support.mjs";

describe("a student", () => {
  let browser;
  let student;

  before(async () => {
    browser = await launchBrowser();
    student = new Person(browser, "ada@example.com");
  });

  after(async () => {
    student?.reportRefused();
    await student?.close();
    await browser?.close();
  });

  it("cannot open the Pathwise module", async () => {
    await student.login();
    const page = student.page;
    await page.goto(`${directusUrl}/admin/pathwise/courses`);
    // Directus 11.17.4 tells a user without app access so ("No App Access"), and shows
    // no module.
    await student.sees(
      page.getByText(/isn't allowed to use the admin app/),
      "that the admin app is not for them",
    );
    await student.screenshot("student-no-access");
    assert.equal(await page.getByText("Course map").count(), 0);
    assert.equal(await page.getByText("Learning path").count(), 0);
    assert.equal(await page.locator("table.heat").count(), 0);
  });
});
