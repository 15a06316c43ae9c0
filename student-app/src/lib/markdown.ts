// Lesson bodies are markdown written by editors: rendered with marked, then sanitized with
// DOMPurify, so no script, event handler or javascript: URL reaches the page. Headings move
// one level down (the page's own <h1> is the lesson title), and a first heading that only
// repeats the title is left out.
import DOMPurify from "dompurify";
import { marked } from "marked";

export function demoteHeadings(html: string): string {
  // The body's top heading level becomes <h2> and the rest follow it, so no level is
  // skipped after the page's <h1>, whatever level the editor started at.
  const levels = [...html.matchAll(/<h([1-6])\b/gi)].map((m) => Number(m[1]));
  if (levels.length === 0) return html;
  const shift = 2 - Math.min(...levels);
  return html.replace(
    /<(\/?)h([1-6])(\b[^>]*)>/gi,
    (_, slash: string, level: string, rest: string) =>
      `<${slash}h${Math.max(2, Math.min(6, Number(level) + shift))}${rest}>`,
  );
}

export function withoutTitle(
  source: string,
  title: string | null | undefined,
): string {
  if (!title) return source;
  const match = /^\s*#\s+(.+?)\s*#*\s*(\r?\n|$)/.exec(source);
  return match && match[1]!.trim().toLowerCase() === title.trim().toLowerCase()
    ? source.slice(match[0].length)
    : source;
}

// An image the editor gave no text alternative is taken as decorative.
let hooked = false;
function addHooks(): void {
  if (hooked || typeof DOMPurify.addHook !== "function") return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "IMG" && !node.hasAttribute("alt"))
      node.setAttribute("alt", "");
    if (node.tagName === "A" && node.getAttribute("target") === "_blank")
      node.setAttribute("rel", "noopener noreferrer");
  });
}

export function renderMarkdown(
  source: string | null | undefined,
  title?: string | null,
): string {
  addHooks();
  const html = marked.parse(withoutTitle(source ?? "", title), {
    async: false,
    gfm: true,
  }) as string;
  return DOMPurify.sanitize(demoteHeadings(html), {
    USE_PROFILES: { html: true },
  });
}
