// Chloé uses the keyboard only: no click, no drag. She signs in, reaches the lesson with
// every question type, answers each (ordering with the arrow keys), submits and reads her
// feedback and next steps, axe-checked on the way.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Student, demoPassword, fixture, launchBrowser } from "./support.mjs";

let browser;
let chloe;

before(async () => {
  browser = await launchBrowser();
  chloe = new Student(browser, "chloe");
  await chloe.open();
});

after(async () => {
  await chloe?.close();
  await browser?.close();
});

/** Presses Tab until the focused element matches `predicate` (evaluated in the page). */
async function tabTo(
  page,
  description,
  predicate,
  limit = 80,
  arg = undefined,
) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate, arg)) return;
  }
  assert.fail(`Tab never reached ${description}`);
}

const focused = (page) =>
  page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160));

test("Chloé signs in, answers every question type and submits with the keyboard only", async () => {
  const page = chloe.page;
  await chloe.sees(
    page.getByRole("heading", { name: "Sign in to Pathwise" }),
    "the sign-in page",
  );
  // The skip link comes first and takes her to the content.
  await page.keyboard.press("Tab");
  assert.match(await focused(page), /Skip to content/);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
  await tabTo(
    page,
    "the email field",
    () => document.activeElement?.id === "email",
  );
  await page.keyboard.type(chloe.email);
  await page.keyboard.press("Tab");
  assert.equal(
    await page.evaluate(() => document.activeElement?.id),
    "password",
  );
  await page.keyboard.type(demoPassword);
  await page.keyboard.press("Enter");
  await chloe.sees(
    page.getByRole("heading", { name: "Your path" }),
    "her path",
  );
  await chloe.checkAccessibility("the home page (keyboard run)");

  const title = fixture.lesson.title;
  await tabTo(
    page,
    `the link to "${title}"`,
    (t) => document.activeElement?.textContent?.trim() === t,
    120,
    title,
  );
  await page.keyboard.press("Enter");
  await chloe.sees(
    page.getByRole("heading", { level: 1, name: title }),
    "the lesson",
  );
  await chloe.checkAccessibility("the lesson page (keyboard run)");

  for (const question of fixture.lesson.questions) {
    const box = `[data-question="${question.id}"]`;
    const inside = `!!document.activeElement?.closest('${box}')`;
    switch (question.type) {
      case "single_choice":
        // A radio group is one tab stop; the arrow keys move within it.
        await tabTo(page, "the single choice", inside, 40);
        await selectRadio(page, box, question.right);
        break;
      case "true_false":
        await tabTo(page, "the true/false choice", inside, 40);
        await selectRadio(page, box, question.right ? "True" : "False");
        break;
      case "multiple_choice": {
        await tabTo(page, "the multiple choice", inside, 40);
        for (let i = 0; i < 10; i++) {
          const label = await page.evaluate(() =>
            document.activeElement?.closest("label")?.textContent?.trim(),
          );
          if (question.right.includes(label))
            await page.keyboard.press("Space");
          const next = await page.evaluate((b) => {
            const boxes = [
              ...document.querySelectorAll(`${b} input[type=checkbox]`),
            ];
            return boxes.indexOf(document.activeElement) < boxes.length - 1;
          }, box);
          if (!next) break;
          await page.keyboard.press("Tab");
        }
        break;
      }
      case "ordering":
        await tabTo(page, "the ordering list", inside, 40);
        await orderWithArrows(page, box, question.right);
        break;
      default:
        await tabTo(page, `the ${question.type} box`, inside, 40);
        await page.keyboard.type(String(question.right));
    }
  }
  await tabTo(
    page,
    "the Submit button",
    () => document.activeElement?.textContent?.trim() === "Submit answers",
    40,
  );
  await page.keyboard.press("Enter");
  await chloe.sees(
    page
      .getByTestId("outcome")
      .getByRole("heading", { name: "Your score: 100%" }),
    "a score of 100%",
  );
  // Focus moves to the result, so a screen reader reads it at once.
  assert.equal(
    await page.evaluate(() => document.activeElement?.id),
    "result-heading",
  );
  await chloe.sees(
    page.getByTestId("outcome").getByText("Advance", { exact: true }),
    "the next step",
  );
  await chloe.checkAccessibility("the feedback (keyboard run)");
});

async function selectRadio(page, box, label) {
  // In a radio group the arrow keys move and select; Space selects the focused one.
  for (let i = 0; i < 8; i++) {
    const current = await page.evaluate(() =>
      document.activeElement?.closest("label")?.textContent?.trim(),
    );
    if (current === label) {
      await page.keyboard.press("Space");
      const checked = await page.evaluate(
        () => document.activeElement?.checked,
      );
      assert.ok(checked, `"${label}" is picked`);
      return;
    }
    await page.keyboard.press("ArrowDown");
  }
  assert.fail(`the arrow keys never reached "${label}" in ${box}`);
}

async function orderWithArrows(page, box, order) {
  // Focus is on the first item (or one of its buttons): go to the items themselves.
  for (let target = 0; target < order.length; target++) {
    const texts = await page
      .locator(`${box} [data-item] .order-text`)
      .allInnerTexts();
    const from = texts.indexOf(order[target]);
    if (from === target) continue;
    await focusItem(page, box, order[target]);
    for (let i = from; i > target; i--) await page.keyboard.press("ArrowUp");
  }
  assert.deepEqual(
    await page.locator(`${box} [data-item] .order-text`).allInnerTexts(),
    order,
  );
}

/** Tabs (forwards, else backwards) to the ordering item that reads `text`. */
async function focusItem(page, box, text) {
  const on = () =>
    page.evaluate(
      ([b, t]) => {
        const item = document.activeElement;
        return (
          !!item?.matches(`${b} [data-item]`) &&
          item.querySelector(".order-text")?.textContent?.trim() === t
        );
      },
      [box, text],
    );
  for (const key of ["Tab", "Shift+Tab"]) {
    for (let i = 0; i < 12; i++) {
      if (await on()) return;
      await page.keyboard.press(key);
    }
  }
  assert.fail(`Tab never reached the item "${text}"`);
}
