import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/lib/config";
import {
  clearDraft,
  draftKey,
  loadDraft,
  saveDraft,
} from "../../src/lib/drafts";
import { describeFailure, fromDirectusError } from "../../src/lib/errors";
import { videoView } from "../../src/lib/video";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe("answers kept until submitted", () => {
  it("keeps a student's answers per lesson, apart from other students'", () => {
    const storage = new MemoryStorage();
    saveDraft(
      storage,
      "ada",
      3,
      { "12": "3/4", "13": ["a"] },
      "2026-12-05T10:00:00Z",
    );
    expect(loadDraft(storage, "ada", 3)?.answers).toEqual({
      "12": "3/4",
      "13": ["a"],
    });
    expect(loadDraft(storage, "ada", 3)?.startedAt).toBe(
      "2026-12-05T10:00:00Z",
    );
    expect(loadDraft(storage, "ben", 3)).toBeNull();
    expect(loadDraft(storage, "ada", 4)).toBeNull();
    clearDraft(storage, "ada", 3);
    expect(loadDraft(storage, "ada", 3)).toBeNull();
  });

  it("ignores a damaged entry instead of failing", () => {
    const storage = new MemoryStorage();
    storage.setItem(draftKey("ada", 3), "{not json");
    expect(loadDraft(storage, "ada", 3)).toBeNull();
  });
});

describe("messages when a service is down", () => {
  it("says which service cannot be reached", () => {
    expect(describeFailure("worker", null).message).toMatch(
      /grading service .* cannot be reached/,
    );
    expect(describeFailure("directus", 502).message).toMatch(
      /Directus\) cannot be reached/,
    );
    expect(describeFailure("worker", 502).kind).toBe("unreachable");
  });

  it("reads the SDK's errors: wrong password, expired session, network failure", () => {
    const response = { status: 401 } as Response;
    expect(
      fromDirectusError({
        errors: [{ extensions: { code: "INVALID_CREDENTIALS" } }],
        response,
      }).message,
    ).toBe("Wrong email or password.");
    expect(
      fromDirectusError({
        errors: [{ extensions: { code: "TOKEN_EXPIRED" } }],
        response,
      }).kind,
    ).toBe("auth");
    expect(fromDirectusError(new TypeError("Failed to fetch")).kind).toBe(
      "unreachable",
    );
    expect(
      describeFailure("worker", 422, { detail: "`lesson` must be the id" })
        .message,
    ).toBe("`lesson` must be the id");
  });
});

describe("config and video", () => {
  it("resolves relative service URLs against the page, and the websocket beside Directus", () => {
    const urls = resolveConfig(
      { directusUrl: "/directus", workerUrl: "/worker" },
      "http://127.0.0.1:8057/#/lesson/3",
    );
    expect(urls.directus.href).toBe("http://127.0.0.1:8057/directus/");
    expect(urls.worker.href).toBe("http://127.0.0.1:8057/worker/");
    expect(urls.websocket.href).toBe("ws://127.0.0.1:8057/directus/websocket");
    const direct = resolveConfig(
      { directusUrl: "https://cms.example.org" },
      "https://app.example.org/",
    );
    expect(direct.websocket.href).toBe("wss://cms.example.org/websocket");
  });

  it("embeds YouTube and Vimeo, plays media files, links anything else", () => {
    expect(videoView("https://www.youtube.com/watch?v=abc123")).toEqual({
      kind: "embed",
      src: "https://www.youtube-nocookie.com/embed/abc123",
    });
    expect(videoView("https://vimeo.com/12345")?.kind).toBe("embed");
    expect(videoView("https://cdn.example.org/a.mp4")).toEqual({
      kind: "file",
      src: "https://cdn.example.org/a.mp4",
    });
    expect(videoView("https://videos.example.org/pathwise/x")).toEqual({
      kind: "link",
      href: "https://videos.example.org/pathwise/x",
    });
    expect(videoView("javascript:alert(1)")).toBeNull();
    expect(videoView(null)).toBeNull();
  });
});

describe("lesson bodies", () => {
  it("moves headings one level down under the page's title, and drops a repeated title", async () => {
    const { demoteHeadings, withoutTitle } = await import(
      "../../src/lib/markdown"
    );
    expect(demoteHeadings("<h3>A</h3><h4>B</h4>")).toBe("<h2>A</h2><h3>B</h3>");
    expect(demoteHeadings("<h2>A</h2><h2>B</h2>")).toBe("<h2>A</h2><h2>B</h2>");
    expect(demoteHeadings("<p>no headings</p>")).toBe("<p>no headings</p>");
    expect(demoteHeadings('<h1 id="x">A</h1><h2>B</h2><h6>C</h6>')).toBe(
      '<h2 id="x">A</h2><h3>B</h3><h6>C</h6>',
    );
    expect(
      withoutTitle("# What is a fraction?\n\nText", "What is a fraction?"),
    ).toBe("Text");
    expect(
      withoutTitle("# Something else\n\nText", "What is a fraction?"),
    ).toBe("# Something else\n\nText");
  });
});
