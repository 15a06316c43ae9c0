// How a lesson's video URL is shown: an embedded player for YouTube and Vimeo, a <video>
// element for a media file, otherwise a link. Pure.
export type VideoView =
  | { kind: "embed"; src: string }
  | { kind: "file"; src: string }
  | { kind: "link"; href: string };

export function videoView(url: string | null | undefined): VideoView | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url, "http://invalid.local");
  } catch {
    return null;
  }
  if (!["http:", "https:"].includes(parsed.protocol)) return null;
  const host = parsed.hostname.replace(/^www\./, "");
  if (host === "youtube.com" || host === "m.youtube.com") {
    const id = parsed.searchParams.get("v");
    if (id)
      return {
        kind: "embed",
        src: `https://www.youtube-nocookie.com/embed/${encodeURIComponent(id)}`,
      };
  }
  if (host === "youtu.be") {
    const id = parsed.pathname.slice(1);
    if (id)
      return {
        kind: "embed",
        src: `https://www.youtube-nocookie.com/embed/${encodeURIComponent(id)}`,
      };
  }
  if (host === "vimeo.com" && /^\/\d+/.test(parsed.pathname)) {
    return {
      kind: "embed",
      src: `https://player.vimeo.com/video${parsed.pathname}`,
    };
  }
  if (/\.(mp4|webm|ogg|ogv|m4v)$/i.test(parsed.pathname))
    return { kind: "file", src: url };
  return { kind: "link", href: url };
}
