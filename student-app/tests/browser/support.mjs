// What the student app's browser tests share: a headless Chromium that reaches nothing
// but this machine, students who sign in to the app, the pages as a person sees them, and
// axe-core checks.
//
// They run against one seeded Pathwise stack that tests/tests/e2e/student_app.rs starts
// (Directus with the extension, the worker, the app's own server), and read:
//   PATHWISE_APP_URL          the student app, e.g. http://127.0.0.1:41235
//   PATHWISE_URL              Directus itself (for REST calls a test makes on the side)
//   PATHWISE_CHROMIUM         the Chromium binary (Debian's `chromium`)
//   PATHWISE_DEMO_PASSWORD    the demo accounts' password
//   PATHWISE_STUDENT_FIXTURE  JSON: the lesson with all seven question types, its right and
//                             wrong answers, and an attempt of Ada's (see student_app.rs)
//   PATHWISE_SCREENSHOTS_DIR  where screenshots go (docs/screenshots to refresh the README's)
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

function required(name) {
  const value = process.env[name];
  assert.ok(
    value,
    `${name} must be set (tests/tests/e2e/student_app.rs sets it)`,
  );
  return value;
}

export const appUrl = required("PATHWISE_APP_URL").replace(/\/$/, "");
export const directusUrl = required("PATHWISE_URL").replace(/\/$/, "");
export const demoPassword = required("PATHWISE_DEMO_PASSWORD");
export const fixture = JSON.parse(required("PATHWISE_STUDENT_FIXTURE"));

/** How long a person waits for something to show before the test fails. */
export const PATIENCE = 20_000;

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export async function launchBrowser() {
  return chromium.launch({
    executablePath: required("PATHWISE_CHROMIUM"),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ],
  });
}

const local = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A student at a browser: their own context (storage), one page. */
export class Student {
  constructor(browser, name, { viewport = { width: 1280, height: 900 } } = {}) {
    this.browser = browser;
    this.name = name;
    this.email = `${name}@example.com`;
    this.viewport = viewport;
    this.refused = [];
  }

  async open() {
    this.context = await this.browser.newContext({
      viewport: this.viewport,
      locale: "en-US",
    });
    await this.context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || local.has(url.hostname))
        return route.continue();
      this.refused.push(url.href);
      return route.abort();
    });
    this.page = await this.context.newPage();
    this.page.on("pageerror", (error) =>
      console.log(`page error for ${this.email}: ${error.message}`),
    );
    await this.page.goto(`${appUrl}/`);
    return this.page;
  }

  /** Signs in with the mouse, the way most people do. */
  async login(password = demoPassword) {
    if (!this.page) await this.open();
    await this.sees(
      this.page.getByRole("heading", { name: "Sign in to Pathwise" }),
      "the sign-in page",
    );
    await this.page.getByLabel("Email").fill(this.email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
    await this.sees(
      this.page.getByRole("heading", { name: "Your path" }),
      "their path after signing in",
    );
    return this.page;
  }

  async close() {
    if (this.refused.length > 0) {
      console.log(
        `refused for ${this.email} (not this machine): ${[...new Set(this.refused)].join(", ")}`,
      );
    }
    await this.context?.close();
  }

  /** Waits until `locator` shows; fails the test with `what` otherwise. */
  async sees(locator, what) {
    try {
      await locator.first().waitFor({ state: "visible", timeout: PATIENCE });
    } catch {
      assert.fail(`${this.email} should see ${what}`);
    }
  }

  /** axe-core on the page as it is: no violation of any rule (WCAG 2.x A and AA and best practices). */
  async checkAccessibility(what) {
    await this.page.addScriptTag({ path: axeSource });
    const violations = await this.page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const result = await axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      }));
    });
    assert.deepEqual(
      violations,
      [],
      `axe found problems on ${what}: ${JSON.stringify(violations, null, 1)}`,
    );
  }

  /** Saves a full-page screenshot as <dir>/<name>.png when PATHWISE_SCREENSHOTS_DIR is set. */
  async screenshot(name) {
    const dir = process.env.PATHWISE_SCREENSHOTS_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    await this.page.waitForTimeout(300);
    await this.page.screenshot({
      path: join(dir, `${name}.png`),
      fullPage: true,
    });
  }

  /** The Directus access token the app holds (for the checks a test makes on the side). */
  async token() {
    return this.page.evaluate(
      () =>
        JSON.parse(localStorage.getItem("pathwise.auth") ?? "{}").access_token,
    );
  }
}

/** The lesson page, as a student works through it. */
export class LessonPage {
  constructor(student) {
    this.student = student;
    this.page = student.page;
  }

  async open(lessonId, title) {
    await this.page.goto(`${appUrl}/#/lesson/${lessonId}`);
    await this.student.sees(
      this.page.getByRole("heading", { level: 1, name: title }),
      `the lesson "${title}"`,
    );
  }

  question(id) {
    return this.page.locator(`[data-question="${id}"]`);
  }

  /** Answers one question with the mouse (drag and drop for ordering). */
  async answer(question, value) {
    const box = this.question(question.id);
    switch (question.type) {
      case "single_choice":
        await box.getByLabel(value, { exact: true }).check();
        break;
      case "multiple_choice":
        for (const label of value)
          await box.getByLabel(label, { exact: true }).check();
        break;
      case "true_false":
        await box.getByLabel(value ? "True" : "False", { exact: true }).check();
        break;
      case "ordering":
        await this.dragIntoOrder(question, value);
        break;
      default:
        await box.getByRole("textbox").fill(String(value));
    }
  }

  /** Drags items until the list reads `order` (texts, top to bottom). */
  async dragIntoOrder(question, order) {
    const box = this.question(question.id);
    for (let target = 0; target < order.length; target++) {
      const items = box.locator("[data-item]");
      const texts = await items.locator(".order-text").allInnerTexts();
      const from = texts.indexOf(order[target]);
      assert.ok(from >= 0, `"${order[target]}" among ${texts}`);
      if (from !== target) await items.nth(from).dragTo(items.nth(target));
    }
    assert.deepEqual(
      await box.locator("[data-item] .order-text").allInnerTexts(),
      order,
    );
  }

  async submit() {
    await this.page.getByRole("button", { name: "Submit answers" }).click();
    await this.student.sees(
      this.page.getByTestId("outcome"),
      "their score and next steps",
    );
  }

  feedback(questionId) {
    return this.page.locator(`[data-feedback="${questionId}"]`);
  }

  nextSteps() {
    return this.page.getByTestId("outcome").getByTestId("next-steps");
  }
}

/** Signs in to Directus over REST (what another device of the student would do). */
export async function restLogin(email, password = demoPassword) {
  const response = await fetch(`${directusUrl}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(response.status, 200, `REST login of ${email}`);
  return (await response.json()).data.access_token;
}
