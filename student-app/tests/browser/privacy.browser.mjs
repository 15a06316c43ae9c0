// Ben cannot see Ada's records: not in the app, and not by asking Directus himself with
// the token the app holds.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Student, appUrl, fixture, launchBrowser } from "./support.mjs";

let browser;
let ben;

before(async () => {
  browser = await launchBrowser();
  ben = new Student(browser, "ben");
  await ben.login();
});

after(async () => {
  await ben?.close();
  await browser?.close();
});

test("Ben sees none of Ada's attempts, next steps or progress", async () => {
  const page = ben.page;
  await ben.sees(page.getByTestId("attempts"), "his recent attempts");
  await ben.sees(
    page.getByTestId("live").getByText("Live updates: on"),
    "live updates on",
  );
  assert.equal(
    await page.locator(`[data-attempt="${fixture.ada.attempt}"]`).count(),
    0,
    "Ada's attempt is not listed",
  );
  // Ada passed the lesson with every question type; for Ben it is not done.
  const step = page
    .getByTestId("step")
    .filter({ hasText: fixture.lesson.title });
  await ben.sees(step, "the lesson in his path");
  assert.notEqual(
    await step.getAttribute("data-state"),
    "done",
    "Ada's progress is not Ben's",
  );

  // Asking Directus directly, with his own session, finds nothing of hers either.
  const token = await ben.token();
  assert.ok(token, "the app holds Ben's access token");
  const answers = await page.evaluate(
    async ({ token, ada, attempt }) => {
      const get = async (path) => {
        const r = await fetch(`/directus${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: r.status, body: await r.json().catch(() => null) };
      };
      return {
        byId: await get(`/items/attempts/${attempt}`),
        attempts: await get(
          `/items/attempts?filter[student][_eq]=${ada}&fields=id`,
        ),
        recommendations: await get(
          `/items/recommendations?filter[student][_eq]=${ada}&fields=id`,
        ),
        mastery: await get(
          `/items/mastery?filter[student][_eq]=${ada}&fields=id`,
        ),
        paths: await get(
          `/items/learning_paths?filter[student][_eq]=${ada}&fields=id`,
        ),
        profile: await get(
          `/items/student_profiles?filter[student][_eq]=${ada}&fields=id`,
        ),
      };
    },
    { token, ada: fixture.ada.id, attempt: fixture.ada.attempt },
  );
  assert.equal(
    answers.byId.status,
    403,
    `Ada's attempt by id: ${JSON.stringify(answers.byId)}`,
  );
  for (const name of [
    "attempts",
    "recommendations",
    "mastery",
    "paths",
    "profile",
  ]) {
    assert.equal(answers[name].status, 200, name);
    assert.deepEqual(
      answers[name].body.data,
      [],
      `Ben reads none of Ada's ${name}`,
    );
  }

  // The same questions with Ada's own session do find her records: the empty answers
  // above are Directus keeping them from Ben, not an empty database.
  const { restLogin: login, directusUrl: directus } = await import(
    "./support.mjs"
  );
  const own = await login("ada@example.com");
  const asAda = async (path) => {
    const r = await fetch(`${directus}${path}`, {
      headers: { authorization: `Bearer ${own}` },
    });
    return { status: r.status, body: await r.json() };
  };
  assert.equal(
    (await asAda(`/items/attempts/${fixture.ada.attempt}`)).status,
    200,
    "Ada reads her attempt",
  );
  for (const collection of [
    "attempts",
    "recommendations",
    "mastery",
    "learning_paths",
    "student_profiles",
  ]) {
    const mine = await asAda(
      `/items/${collection}?filter[student][_eq]=${fixture.ada.id}&fields=id`,
    );
    assert.ok(mine.body.data.length > 0, `Ada reads her own ${collection}`);
  }

  // And a realtime subscription of his gets no news of her attempts.
  const pushed = await page.evaluate(
    async ({ token, url, lesson, answers }) => {
      const events = [];
      const ws = new WebSocket(url);
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      ws.send(JSON.stringify({ type: "auth", access_token: token }));
      ws.addEventListener("message", (m) => events.push(JSON.parse(m.data)));
      await new Promise((r) => setTimeout(r, 300));
      ws.send(
        JSON.stringify({
          type: "subscribe",
          collection: "attempts",
          query: { fields: ["id", "student"] },
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      window.__benEvents = events;
      return { lesson, answers, count: events.length };
    },
    {
      token,
      url: `${appUrl.replace("http", "ws")}/directus/websocket`,
      lesson: fixture.lesson.id,
      answers: fixture.lesson.api_right,
    },
  );
  assert.ok(pushed.count >= 1, "his socket is open and subscribed");
  const { restLogin, directusUrl } = await import("./support.mjs");
  const adaToken = await restLogin("ada@example.com");
  const created = await fetch(`${directusUrl}/items/attempts`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${adaToken}`,
    },
    body: JSON.stringify({
      lesson: fixture.lesson.id,
      answers: fixture.lesson.api_right,
    }),
  });
  assert.equal(created.status, 200);
  await page.waitForTimeout(3000);
  const seen = await page.evaluate(() =>
    window.__benEvents.filter(
      (e) =>
        e.type === "subscription" &&
        e.event !== "init" &&
        (e.data ?? []).length > 0,
    ),
  );
  assert.deepEqual(
    seen,
    [],
    "no realtime event about Ada's attempt reached Ben",
  );
  await ben.checkAccessibility("Ben's home page");
});
