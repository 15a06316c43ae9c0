// Ada's day: she signs in, reads her path, does the lesson with every question type right
// (advance), does "What is a fraction?" wrong (remediation plus three practice problems),
// and sees an attempt she submitted from another device graded live on her open page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  LessonPage,
  Student,
  appUrl,
  directusUrl,
  fixture,
  launchBrowser,
  restLogin,
} from "./support.mjs";

let browser;
let ada;

before(async () => {
  browser = await launchBrowser();
  ada = new Student(browser, "ada");
  await ada.open();
});

after(async () => {
  await ada?.close();
  await browser?.close();
});

test("Ada signs in and sees her courses, her path, XP and streak", async () => {
  const page = ada.page;
  await ada.sees(
    page.getByRole("heading", { name: "Sign in to Pathwise" }),
    "the sign-in page",
  );
  await ada.checkAccessibility("the sign-in page");
  await ada.screenshot("student-login");

  // A wrong password gets a clear message, and no way in.
  await page.getByLabel("Email").fill(ada.email);
  await page.getByLabel("Password").fill("not-her-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await ada.sees(
    page.getByTestId("login-error").getByText("Wrong email or password."),
    "that the password is wrong",
  );

  await ada.login();
  // A reload keeps her signed in: the app renews her session with the refresh token.
  const before = await ada.token();
  await page.waitForTimeout(1100); // a new token differs from the old one by its issue second
  await page.reload();
  await ada.sees(
    page.getByRole("heading", { name: "Your path" }),
    "her path after a reload",
  );
  assert.notEqual(await ada.token(), before, "a fresh access token");
  const course = page.getByTestId("course").filter({ hasText: "Fractions" });
  await ada.sees(course, "the Fractions course");
  await ada.sees(course.getByTestId("progress"), "her progress in the course");
  // Done, available and locked lessons, and a current lesson to continue with.
  await ada.sees(course.locator('[data-state="locked"]'), "locked lessons");
  await ada.sees(
    course.locator('[data-state="available"]'),
    "available lessons",
  );
  await ada.sees(course.getByTestId("current-lesson"), "her current lesson");
  await ada.sees(page.getByTestId("xp"), "her XP");
  await ada.sees(page.getByTestId("streak"), "her streak");
  // Her badges, and the messages the engagement job sent her (student_app.rs ticks it).
  await ada.sees(
    page.getByTestId("badge").filter({ hasText: "First lesson done" }),
    "her first badge",
  );
  await ada.sees(
    page
      .getByTestId("message")
      .filter({ hasText: "New badge: First lesson done" }),
    "the news of her badge",
  );
  await ada.checkAccessibility("the home page");
  await ada.screenshot("student-home");
});

test("she answers all seven question types right and is told to advance", async () => {
  const lesson = new LessonPage(ada);
  await ada.page
    .getByRole("link", { name: fixture.lesson.title })
    .first()
    .click();
  await ada.sees(
    ada.page.getByRole("heading", { level: 1, name: fixture.lesson.title }),
    "the lesson",
  );
  // The markdown body is rendered, and what an editor must not slip in is not.
  await ada.sees(
    ada.page
      .getByTestId("lesson-body")
      .getByRole("heading", { name: "Seven ways to answer" }),
    "the lesson's markdown",
  );
  assert.equal(
    await ada.page.evaluate(() => window.__pathwiseXss ?? null),
    null,
    "no script from the body ran",
  );
  assert.equal(
    await ada.page
      .getByTestId("lesson-body")
      .locator("script, [onerror]")
      .count(),
    0,
  );
  await ada.sees(
    ada.page
      .getByTestId("video")
      .getByRole("link", { name: /Watch the video/ }),
    "the lesson's video",
  );

  const types = new Set();
  for (const question of fixture.lesson.questions) {
    await lesson.answer(question, question.right);
    types.add(question.type);
  }
  assert.equal(types.size, 7, "the lesson has every question type");
  await ada.checkAccessibility("the lesson page");
  await ada.screenshot("student-lesson");

  await lesson.submit();
  const outcome = ada.page.getByTestId("outcome");
  await ada.sees(
    outcome.getByRole("heading", { name: "Your score: 100%" }),
    "a score of 100%",
  );
  for (const question of fixture.lesson.questions) {
    assert.equal(
      await lesson.feedback(question.id).getAttribute("data-correct"),
      "true",
      `question ${question.type} graded right`,
    );
  }
  const steps = lesson.nextSteps();
  await ada.sees(
    steps
      .getByTestId("next-steps-summary")
      .getByText("Advance", { exact: true }),
    '"Advance" as the next step',
  );
  await ada.sees(
    steps.locator('[data-kind="advance"] .reason'),
    "the reason for advancing",
  );
  await ada.checkAccessibility("the lesson's feedback");
  await ada.screenshot("student-feedback");
});

test("she gets 'What is a fraction?' wrong and is given remediation plus three practice problems", async () => {
  const lesson = new LessonPage(ada);
  const wrong = fixture.wrong_lesson;
  await lesson.open(wrong.id, wrong.title);
  for (const question of wrong.questions)
    await lesson.answer(question, question.wrong);
  await lesson.submit();
  const outcome = ada.page.getByTestId("outcome");
  await ada.sees(
    outcome.getByRole("heading", { name: "Your score: 0%" }),
    "a score of 0%",
  );
  for (const question of wrong.questions) {
    const feedback = lesson.feedback(question.id);
    assert.equal(
      await feedback.getAttribute("data-correct"),
      "false",
      `question ${question.type} graded wrong`,
    );
    await ada.sees(
      feedback.locator("p").nth(1),
      `feedback on question ${question.id}`,
    );
  }
  const steps = lesson.nextSteps();
  await ada.sees(
    steps.getByText("Remediation plus 3 practice problems"),
    '"Remediation plus 3 practice problems"',
  );
  await ada.sees(
    steps.locator('[data-kind="remediate"] .reason'),
    "why remediation",
  );
  await ada.sees(
    steps.locator('[data-kind="practice"]').getByText("3 practice problems"),
    "the three practice problems",
  );
  // The remediation step leads to its lesson (with its video).
  const remediation = steps.locator('[data-kind="remediate"] a');
  await ada.sees(remediation, "a link to the remediation lesson");
  await ada.screenshot("student-remediation");
  await ada.checkAccessibility("the feedback of a failed lesson");
  await remediation.click();
  await ada.sees(ada.page.locator("main h1"), "the remediation lesson");
  await ada.sees(
    ada.page.getByText("remediation", { exact: true }),
    "that it is a remediation lesson",
  );
  await ada.sees(
    ada.page
      .getByTestId("video")
      .getByRole("link", { name: /Watch the video/ }),
    "the remediation lesson's video",
  );
  await ada.checkAccessibility("a remediation lesson");
});

test("an attempt she submits elsewhere is graded live on her open page, with its next steps", async () => {
  const page = ada.page;
  await page.goto(`${appUrl}/#/`);
  await ada.sees(page.getByRole("heading", { name: "Your path" }), "her path");
  await ada.sees(
    page
      .getByTestId("next-steps-summary")
      .getByText("Remediation plus 3 practice problems"),
    "her current next steps",
  );
  await ada.sees(
    page.getByTestId("live").getByText("Live updates: on"),
    "live updates on",
  );
  // Due reviews: her mastery rows have due dates now; the section is there either way.
  await ada.sees(
    page.getByTestId("reviews").locator('li, [data-testid="next-review"]'),
    "her due or next review",
  );
  await page.evaluate(() => (window.__sameDocument = true));

  // Another device: REST, the flow, the worker; nothing in this page asks.
  const token = await restLogin(ada.email);
  const created = await fetch(`${directusUrl}/items/attempts`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      lesson: fixture.lesson.id,
      answers: fixture.lesson.api_right,
    }),
  });
  assert.equal(created.status, 200, "the attempt is created over REST");
  const attempt = (await created.json()).data.id;

  await ada.sees(
    page
      .locator(`[data-attempt="${attempt}"][data-status="graded"]`)
      .getByText("100%"),
    "the new attempt, graded",
  );
  await ada.sees(
    page.getByTestId("notices").getByText(/was graded: 100%/),
    "a notice that it was graded",
  );
  await ada.sees(
    page
      .getByTestId("next-steps-summary")
      .getByText("Advance", { exact: true }),
    "the new next steps",
  );
  assert.equal(
    await page.evaluate(() => window.__sameDocument),
    true,
    "no reload happened",
  );
  await ada.checkAccessibility("the home page after a live update");
  await ada.screenshot("student-home-live");
});

test("she signs out: the app forgets her session", async () => {
  const page = ada.page;
  await page.getByRole("button", { name: "Sign out" }).click();
  await ada.sees(
    page.getByRole("heading", { name: "Sign in to Pathwise" }),
    "the sign-in page",
  );
  assert.equal(await ada.token(), undefined, "no token kept");
  await page.goto(`${appUrl}/#/lesson/${fixture.lesson.id}`);
  await ada.sees(
    page.getByRole("heading", { name: "Sign in to Pathwise" }),
    "the sign-in page instead of the lesson",
  );
});
