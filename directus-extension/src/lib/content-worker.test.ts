import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ValidationBody } from "./content-edits.js";
import { refusalErrors } from "./content-errors.js";
import {
  WorkerUnavailable,
  askWorker,
  signToken,
  validateUrl,
  validationToken,
} from "./content-worker.js";

const body: ValidationBody = {
  course: { id: 3, title: "Fractions" },
  skills: [],
  lessons: [],
  prerequisites: [],
  questions: [],
};

function decode(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

describe("signToken", () => {
  it("is an HS256 JWT whose signature is the HMAC of header.payload", () => {
    const token = signToken({ a: 1 }, "secret");
    const [header, payload, signature] = token.split(".");
    expect(decode(header!)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(decode(payload!)).toEqual({ a: 1 });
    expect(signature).toBe(
      createHmac("sha256", "secret")
        .update(`${header}.${payload}`)
        .digest("base64url"),
    );
    expect(token).not.toMatch(/[=+/]/);
  });

  it("matches a token from a reference implementation (RFC 7519 style)", () => {
    // jwt.io's HS256 example, with the secret "your-256-bit-secret".
    const reference =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(
      signToken(
        { sub: "1234567890", name: "John Doe", iat: 1516239022 },
        "your-256-bit-secret",
      ),
    ).toBe(reference);
  });
});

describe("validationToken", () => {
  it("carries the worker's issuer, audience, a 60 s lifetime and the body's hash", () => {
    const text = JSON.stringify(body);
    const token = validationToken(text, "s", new Date("2026-12-04T10:00:00Z"));
    expect(decode(token.split(".")[1]!)).toEqual({
      iss: "directus-flow",
      aud: "pathwise-worker",
      iat: 1796378400,
      exp: 1796378460,
      body_sha256: createHash("sha256").update(text).digest("hex"),
    });
  });
});

describe("validateUrl", () => {
  it("puts /v1/validate beside the events endpoint", () => {
    expect(validateUrl("http://127.0.0.1:8056")).toBe(
      "http://127.0.0.1:8056/v1/validate",
    );
    expect(validateUrl("http://worker:8056/")).toBe(
      "http://worker:8056/v1/validate",
    );
    expect(validateUrl("http://worker:8056/v1/events")).toBe(
      "http://worker:8056/v1/validate",
    );
  });
});

describe("askWorker", () => {
  const answering =
    (status: number, answer: unknown): typeof fetch =>
    async () =>
      new Response(JSON.stringify(answer), { status });

  it("posts the body, signed, and answers the problems", async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fake: typeof fetch = async (url, init) => {
      seen = { url: String(url), init: init! };
      return new Response(JSON.stringify({ problems: [{ id: 1 }] }));
    };
    expect(
      await askWorker("http://w/v1/validate", "s", body, { fetch: fake }),
    ).toEqual([{ id: 1 }]);
    expect(seen?.url).toBe("http://w/v1/validate");
    expect(JSON.parse(String(seen?.init.body))).toEqual(body);
    const auth = (seen?.init.headers as Record<string, string>)[
      "authorization"
    ]!;
    const claims = decode(auth.replace("Bearer ", "").split(".")[1]!) as {
      body_sha256: string;
    };
    expect(claims.body_sha256).toBe(
      createHash("sha256").update(String(seen?.init.body)).digest("hex"),
    );
  });

  it("says the worker is unavailable on 5xx, 401 or a body without problems", async () => {
    for (const [status, answer, says] of [
      [503, { detail: "busy" }, "answered 503: busy"],
      [401, { detail: "the event token was rejected" }, "answered 401"],
      [200, { nothing: true }, 'without a "problems" list'],
    ] as const) {
      const asking = askWorker("http://w", "s", body, {
        fetch: answering(status, answer),
      });
      await expect(asking).rejects.toBeInstanceOf(WorkerUnavailable);
      await expect(
        askWorker("http://w", "s", body, { fetch: answering(status, answer) }),
      ).rejects.toThrow(says);
    }
  });

  it("gives up after the timeout", async () => {
    const never: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () =>
          reject(init.signal?.reason),
        );
      });
    const started = Date.now();
    await expect(
      askWorker("http://w", "s", body, { fetch: never, timeoutMs: 50 }),
    ).rejects.toThrow("no answer within 50 ms");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("says the worker is unreachable when the connection fails", async () => {
    await expect(
      askWorker("http://127.0.0.1:9/v1/validate", "s", body, {
        timeoutMs: 1000,
      }),
    ).rejects.toThrow(/unreachable/);
  });
});

describe("refusalErrors", () => {
  it("are Directus FAILED_VALIDATION errors with the field and the editor's message", () => {
    const [error] = refusalErrors([
      {
        field: "answer_key",
        message: "The key is wrong.",
        collection: "questions",
        id: 5,
      },
    ]) as unknown as {
      name: string;
      code: string;
      status: number;
      message: string;
      extensions: unknown;
    }[];
    expect(error).toMatchObject({
      name: "DirectusError",
      code: "FAILED_VALIDATION",
      status: 400,
      message: "The key is wrong.",
      extensions: {
        field: "answer_key",
        path: [],
        type: "regex",
        validation_message: "The key is wrong.",
      },
    });
  });
});
