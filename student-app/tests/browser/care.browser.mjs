// Care: the app at phone width, answers kept until they are submitted, and clear messages
// when Directus or the worker cannot be reached. Ben submits one partial attempt here
// (3 of 7 answers: the lesson is not done for him, see privacy.browser.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  LessonPage,
  Student,
  appUrl,
  fixture,
  launchBrowser,
} from "./support.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test("at phone width nothing is cut off, and every page passes axe", async () => {
  const ben = new Student(browser, "ben", {
    viewport: { width: 390, height: 844 },
  });
  try {
    await ben.login();
    const page = ben.page;
    const overflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
    await ben.sees(page.getByTestId("course"), "his course");
    assert.ok(
      (await overflow()) <= 0,
      `the home page fits 390 px (overflow ${await overflow()} px)`,
    );
    await ben.checkAccessibility("the home page at phone width");
    await ben.screenshot("student-phone-home");
    const lesson = new LessonPage(ben);
    await lesson.open(fixture.lesson.id, fixture.lesson.title);
    assert.ok((await overflow()) <= 0, "the lesson page fits 390 px");
    await ben.checkAccessibility("the lesson page at phone width");
    await ben.screenshot("student-phone-lesson");
  } finally {
    await ben.close();
  }
});

test("answers are kept through a reload and a worker outage, and submitted once it is back", async () => {
  const ben = new Student(browser, "ben");
  try {
    await ben.login();
    const page = ben.page;
    const lesson = new LessonPage(ben);
    await lesson.open(fixture.lesson.id, fixture.lesson.title);
    const [first, second, , numeric] = fixture.lesson.questions;
    await lesson.answer(first, first.right);
    await lesson.answer(second, second.right);
    await lesson.answer(numeric, numeric.right);

    await page.reload();
    await ben.sees(page.getByTestId("restored"), "that his answers are back");
    assert.ok(
      await lesson
        .question(first.id)
        .getByLabel(first.right, { exact: true })
        .isChecked(),
    );
    assert.equal(
      await lesson.question(numeric.id).getByRole("textbox").inputValue(),
      numeric.right,
    );

    // The worker is down: a clear message, and the answers stay.
    await page.route("**/worker/**", (route) =>
      route.fulfill({
        status: 502,
        contentType: "application/problem+json",
        body: JSON.stringify({
          status: 502,
          kind: "worker-unreachable",
          detail: "the Pathwise worker cannot be reached",
        }),
      }),
    );
    await page.getByRole("button", { name: "Submit answers" }).click();
    await ben.sees(
      page
        .getByTestId("submit-error")
        .getByText(/grading service .* cannot be reached/),
      "that grading is down",
    );
    await ben.sees(page.getByTestId("outage"), "the outage banner");
    await ben.checkAccessibility("the lesson page with the worker down");
    await ben.screenshot("student-worker-down");
    await page.reload();
    await ben.sees(
      page.getByTestId("restored"),
      "his answers after the failed submission",
    );
    assert.equal(
      await lesson.question(numeric.id).getByRole("textbox").inputValue(),
      numeric.right,
    );

    // The worker is back: the kept answers go, and once graded they are no longer kept.
    await page.unroute("**/worker/**");
    await lesson.submit();
    await ben.sees(
      page.getByTestId("outcome").getByRole("heading", { name: /Your score/ }),
      "his score",
    );
    assert.equal(
      await lesson.feedback(numeric.id).getAttribute("data-correct"),
      "true",
      "the kept numeric answer was graded",
    );
    await page.reload();
    await ben.sees(page.locator("main h1"), "the lesson again");
    assert.equal(await page.getByTestId("restored").count(), 0);
  } finally {
    await ben.close();
  }
});

test("when Directus cannot be reached, signing in says so", async () => {
  const chloe = new Student(browser, "chloe");
  try {
    const page = await chloe.open();
    await chloe.sees(
      page.getByRole("heading", { name: "Sign in to Pathwise" }),
      "the sign-in page",
    );
    await page.route("**/directus/**", (route) =>
      route.fulfill({
        status: 502,
        contentType: "application/problem+json",
        body: JSON.stringify({
          status: 502,
          kind: "directus-unreachable",
          detail: "Directus cannot be reached",
        }),
      }),
    );
    await page.getByLabel("Email").fill(chloe.email);
    await page.getByLabel("Password").fill("whatever");
    await page.getByRole("button", { name: "Sign in" }).click();
    await chloe.sees(
      page.getByTestId("login-error").getByText(/Directus\) cannot be reached/),
      "that Directus is down",
    );
    await chloe.checkAccessibility("the sign-in page with Directus down");
    await chloe.screenshot("student-directus-down");
    assert.equal(new URL(page.url()).origin, appUrl);
  } finally {
    await chloe.close();
  }
});
