// What the browser tests share: a headless Chromium that reaches nothing but the
// Directus under test, people who sign in to the admin app, and the Pathwise module.
//
// They run against one seeded Pathwise stack (Directus with the extension, provisioned,
// the demo course and accounts, the worker) that tests/tests/e2e/admin_ui.rs starts and
// fills with a few graded attempts (see `graded_attempts_for_the_admin_ui` there), and
// read from the environment:
//   PATHWISE_URL            the Directus base URL, e.g. http://127.0.0.1:41234
//   PATHWISE_CHROMIUM       the Chromium binary (Debian's `chromium`)
//   PATHWISE_DEMO_PASSWORD  the demo accounts' password
//   PATHWISE_SCREENSHOTS_DIR  where screenshots go (docs/screenshots to refresh the README's)
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (tests/tests/e2e/admin_ui.rs sets it)`);
  return value;
}

export const directusUrl = required("PATHWISE_URL").replace(/\/$/, "");
const demoPassword = required("PATHWISE_DEMO_PASSWORD");

/** How long a person waits for something to show before the test fails. */
export const PATIENCE = 20_000;

/**
 * Headless Chromium as the notes say it runs here: no sandbox (root in a container), no
 * GPU, and none of Chromium's own background traffic; host names other than the local
 * ones resolve to nothing, so the browser cannot fetch anything from outside.
 */
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

/** A person at a browser: their own browser context (cookies), one page. */
export class Person {
  constructor(browser, email, password = demoPassword) {
    this.browser = browser;
    this.email = email;
    this.password = password;
    /** Requests the browser tried to send elsewhere than this machine (all refused). */
    this.refused = [];
  }

  async login() {
    this.context = await this.browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: "en-US",
    });
    // Anything but the Directus under test is refused before it leaves the browser.
    await this.context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || local.has(url.hostname)) {
        return route.continue();
      }
      this.refused.push(url.href);
      return route.abort();
    });
    this.page = await this.context.newPage();
    await this.page.goto(`${directusUrl}/admin/login`);
    await this.page.getByPlaceholder("Email").fill(this.email);
    await this.page.getByPlaceholder("Password").fill(this.password);
    await this.page.getByRole("button", { name: "Sign In" }).click();
    await this.page.waitForURL((url) => !url.pathname.endsWith("/login"), {
      timeout: PATIENCE,
    });
    return this.page;
  }

  async close() {
    await this.context?.close();
  }

  /** Tells (in the test output) what the browser tried to fetch from outside, refused. */
  reportRefused() {
    if (this.refused.length > 0) {
      console.log(
        `refused for ${this.email} (not this machine): ${[...new Set(this.refused)].join(", ")}`,
      );
    }
  }

  /** Waits until `locator` shows; fails the test with `what` otherwise. */
  async sees(locator, what) {
    try {
      await locator.first().waitFor({ state: "visible", timeout: PATIENCE });
    } catch {
      assert.fail(`${this.email} should see ${what}`);
    }
  }

  /**
   * Saves a screenshot as <dir>/<name>.png, tall enough for the whole view: the admin
   * app scrolls inside its own main area, which a full-page screenshot does not unroll.
   */
  async screenshot(name, { whole = true } = {}) {
    const dir = process.env.PATHWISE_SCREENSHOTS_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    if (!whole) {
      // The window as the person sees it now (e.g. scrolled to a save's errors).
      await this.page.screenshot({ path: join(dir, `${name}.png`) });
      return;
    }
    const viewport = this.page.viewportSize();
    const contentHeight = await this.page.evaluate(() =>
      Math.max(
        ...[...document.querySelectorAll("main, #main-content, .content")].map(
          (element) => element.scrollHeight,
        ),
        0,
      ),
    );
    const height = Math.min(
      3000,
      Math.max(viewport.height, contentHeight + 80),
    );
    await this.page.setViewportSize({ width: viewport.width, height });
    // The whole view fits now: show it from its top (a save's error list is there).
    await this.page.evaluate(() => {
      for (const element of document.querySelectorAll(
        "main, #main-content, .content",
      ))
        element.scrollTop = 0;
    });
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: join(dir, `${name}.png`) });
    await this.page.setViewportSize(viewport);
  }
}

/** The Pathwise module of the admin app, as a person finds it. */
export class PathwiseModule {
  constructor(person) {
    this.person = person;
    this.page = person.page;
  }

  /**
   * Opens the module as a person first finds it: the Pathwise button of the admin app's
   * module bar (provisioning lists it there; the app hides modules the bar does not list).
   */
  async openFromModuleBar() {
    await this.page.goto(`${directusUrl}/admin/content`);
    const button = this.page.locator('.module-bar a[href$="/pathwise"]');
    await this.person.sees(button, "the Pathwise button in the module bar");
    await button.first().click();
    await this.page.waitForURL(/\/admin\/pathwise/, { timeout: PATIENCE });
  }

  /** Opens one of the module's views by the name in its navigation. */
  async open(view) {
    await this.page.goto(`${directusUrl}/admin/pathwise`);
    const link = this.page
      .locator("#navigation")
      .getByRole("link", { name: view })
      .or(this.page.getByRole("link", { name: view }));
    await this.person.sees(link, `the "${view}" link of the Pathwise module`);
    await link.first().click();
    await this.person.sees(
      this.page
        .locator("header")
        .getByText(view === "Course map" ? "Course map" : view),
      `the ${view} page`,
    );
  }

  /** Picks an entry of the view's picker (course, student or cohort). */
  async pick(label, option) {
    const picker = this.page.locator(".picker", { hasText: label });
    await picker.locator(".v-select").click();
    const choice = this.page
      .locator(".v-menu-content, .v-list")
      .getByText(option, { exact: false });
    await this.person.sees(choice, `"${option}" among the ${label} choices`);
    await choice.first().click();
  }

  /** The entries the view's picker offers. */
  async choices(label) {
    const picker = this.page.locator(".picker", { hasText: label });
    await picker.locator(".v-select").click();
    const items = this.page.locator(".v-menu-content .v-list-item");
    await items.first().waitFor({ state: "visible", timeout: PATIENCE });
    const texts = await items.allInnerTexts();
    await this.page.keyboard.press("Escape");
    return texts.map((text) => text.trim());
  }
}
