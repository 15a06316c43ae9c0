/**
 * The course map's layout: a course's lessons as layers of a prerequisite graph, drawn
 * top to bottom. Pure (no Vue, no I/O), so it is unit-tested on its own.
 *
 * A lesson's layer is the length of the longest chain of prerequisites below it
 * (lessons without prerequisites are layer 0), so every arrow points down. Content can
 * be broken while an editor works on it: an arrow that closes a cycle is left out of the
 * layering (and reported, to be drawn as a problem) instead of looping forever.
 */

/** A lesson as the course map needs it. */
export interface MapLesson {
  id: number;
  title: string;
  kind: string;
  status: string;
  /** The lesson's module's place in the course, then its own place in the module. */
  moduleSort: number;
  sort: number;
}

/** `lesson` requires `prerequisite` first (a row of `lesson_prerequisites`). */
export interface Prerequisite {
  lesson: number;
  prerequisite: number;
}

/** An arrow from a prerequisite to the lesson that requires it. */
export interface Arrow {
  from: number;
  to: number;
  /** The arrow closes a prerequisite cycle: it was left out of the layering. */
  closesCycle: boolean;
}

export interface CourseGraph {
  /** Lesson ids per layer, each layer in drawing order (left to right). */
  layers: number[][];
  /** Remediation lessons no lesson requires and that require none: detours, not steps. */
  detours: number[];
  arrows: Arrow[];
  /** Each cycle found, as the lesson ids along it (`a` requires `b` requires ... `a`). */
  cycles: number[][];
}

/** Course order: module, then lesson order, then id. */
export function courseOrder(a: MapLesson, b: MapLesson): number {
  return a.moduleSort - b.moduleSort || a.sort - b.sort || a.id - b.id;
}

export function layoutCourseGraph(
  lessons: MapLesson[],
  prerequisites: Prerequisite[],
): CourseGraph {
  const ordered = [...lessons].sort(courseOrder);
  const known = new Set(ordered.map((lesson) => lesson.id));
  const seen = new Set<string>();
  const arrows: Arrow[] = [];
  for (const { lesson, prerequisite } of prerequisites) {
    // A prerequisite in another course (or not readable) has no box to point from.
    if (!known.has(lesson) || !known.has(prerequisite)) continue;
    const key = `${prerequisite}>${lesson}`;
    if (seen.has(key)) continue;
    seen.add(key);
    arrows.push({ from: prerequisite, to: lesson, closesCycle: false });
  }

  const cycles = markCycles(ordered, arrows);
  const layerOf = longestPathLayers(ordered, arrows);

  const linked = new Set<number>();
  for (const arrow of arrows) linked.add(arrow.from).add(arrow.to);
  const detours = ordered
    .filter((lesson) => lesson.kind === "remediation" && !linked.has(lesson.id))
    .map((lesson) => lesson.id);
  const detourSet = new Set(detours);

  const layers: number[][] = [];
  for (const lesson of ordered) {
    if (detourSet.has(lesson.id)) continue;
    const layer = layerOf.get(lesson.id) ?? 0;
    (layers[layer] ??= []).push(lesson.id);
  }
  orderByParents(
    layers.filter((layer) => layer.length > 0),
    arrows,
  );
  return {
    layers: layers.filter((layer) => layer.length > 0),
    detours,
    arrows,
    cycles,
  };
}

/**
 * Depth-first search in course order; an arrow to a lesson still on the search stack
 * closes a cycle. Marks those arrows and answers the cycles, each starting at the
 * lesson the search reached first.
 */
function markCycles(ordered: MapLesson[], arrows: Arrow[]): number[][] {
  const out = new Map<number, Arrow[]>();
  for (const arrow of arrows) {
    const list = out.get(arrow.from) ?? [];
    list.push(arrow);
    out.set(arrow.from, list);
  }
  const state = new Map<number, "open" | "done">();
  const stack: number[] = [];
  const cycles: number[][] = [];
  // Iterative, so a long chain of lessons cannot overflow the call stack.
  for (const start of ordered) {
    if (state.has(start.id)) continue;
    const frames: { id: number; next: number }[] = [{ id: start.id, next: 0 }];
    state.set(start.id, "open");
    stack.push(start.id);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const arrow = out.get(frame.id)?.[frame.next];
      if (!arrow) {
        state.set(frame.id, "done");
        stack.pop();
        frames.pop();
        continue;
      }
      frame.next += 1;
      const seen = state.get(arrow.to);
      if (seen === "open") {
        arrow.closesCycle = true;
        cycles.push(stack.slice(stack.indexOf(arrow.to)));
      } else if (seen === undefined) {
        state.set(arrow.to, "open");
        stack.push(arrow.to);
        frames.push({ id: arrow.to, next: 0 });
      }
    }
  }
  return cycles;
}

/** Layer = longest chain of prerequisites below a lesson, over arrows that close no cycle. */
function longestPathLayers(
  ordered: MapLesson[],
  arrows: Arrow[],
): Map<number, number> {
  const incoming = new Map<number, number>();
  const out = new Map<number, number[]>();
  for (const arrow of arrows) {
    if (arrow.closesCycle) continue;
    incoming.set(arrow.to, (incoming.get(arrow.to) ?? 0) + 1);
    const list = out.get(arrow.from) ?? [];
    list.push(arrow.to);
    out.set(arrow.from, list);
  }
  const layer = new Map<number, number>();
  const ready = ordered
    .filter((lesson) => !incoming.get(lesson.id))
    .map((lesson) => lesson.id);
  for (const id of ready) layer.set(id, 0);
  // Kahn's order: a lesson is placed once all its prerequisites are.
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    for (const next of out.get(id) ?? []) {
      layer.set(next, Math.max(layer.get(next) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (incoming.get(next) ?? 0) - 1;
      incoming.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return layer;
}

/**
 * Fewer crossing arrows: each layer after the first is sorted by the mean position of
 * its lessons' prerequisites in the layers above (ties keep course order).
 */
function orderByParents(layers: number[][], arrows: Arrow[]): void {
  const position = new Map<number, number>();
  const place = (layer: number[]) =>
    layer.forEach((id, index) =>
      position.set(id, index - (layer.length - 1) / 2),
    );
  const parentsOf = new Map<number, number[]>();
  for (const arrow of arrows) {
    const list = parentsOf.get(arrow.to) ?? [];
    list.push(arrow.from);
    parentsOf.set(arrow.to, list);
  }
  if (layers[0]) place(layers[0]);
  for (const layer of layers.slice(1)) {
    const weight = new Map<number, number>();
    layer.forEach((id, index) => {
      const parents = (parentsOf.get(id) ?? [])
        .filter((parent) => position.has(parent))
        .map((parent) => position.get(parent)!);
      weight.set(
        id,
        parents.length > 0
          ? parents.reduce((sum, x) => sum + x, 0) / parents.length
          : index - (layer.length - 1) / 2,
      );
    });
    const courseIndex = new Map(layer.map((id, index) => [id, index]));
    layer.sort(
      (a, b) =>
        weight.get(a)! - weight.get(b)! ||
        courseIndex.get(a)! - courseIndex.get(b)!,
    );
    place(layer);
  }
}

/** Where each box goes, in SVG units, for layers drawn top to bottom and centred. */
export interface BoxPlacement {
  id: number;
  x: number;
  y: number;
  layer: number;
}

export interface Geometry {
  boxWidth: number;
  boxHeight: number;
  gapX: number;
  gapY: number;
  padding: number;
}

/** One layer as drawn: its vertical extent and the horizontal extent of each box. */
export interface Row {
  top: number;
  bottom: number;
  spans: [number, number][];
}

export interface Placement {
  boxes: Map<number, BoxPlacement>;
  rows: Row[];
  width: number;
  height: number;
}

export function placeBoxes(layers: number[][], geometry: Geometry): Placement {
  const { boxWidth, boxHeight, gapX, gapY, padding } = geometry;
  const widest = Math.max(1, ...layers.map((layer) => layer.length));
  const width = widest * boxWidth + (widest - 1) * gapX + 2 * padding;
  const height =
    layers.length * boxHeight +
    Math.max(0, layers.length - 1) * gapY +
    2 * padding;
  const boxes = new Map<number, BoxPlacement>();
  const rows: Row[] = [];
  layers.forEach((layer, row) => {
    const rowWidth = layer.length * boxWidth + (layer.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    const top = padding + row * (boxHeight + gapY);
    const spans: [number, number][] = [];
    layer.forEach((id, column) => {
      const x = left + column * (boxWidth + gapX);
      boxes.set(id, { id, x, y: top, layer: row });
      spans.push([x, x + boxWidth]);
    });
    rows.push({ top, bottom: top + boxHeight, spans });
  });
  return { boxes, rows, width, height };
}

export interface Point {
  x: number;
  y: number;
}

/**
 * The points an arrow goes through, from the bottom of a prerequisite to the top of the
 * lesson requiring it. An arrow that skips layers passes each layer in between through
 * the gap (or margin) nearest to its straight line, so it never runs behind a box and
 * seems to point at the wrong lesson.
 */
export function routeArrow(
  from: BoxPlacement,
  to: BoxPlacement,
  placement: Placement,
  geometry: Geometry,
): Point[] {
  const { boxWidth, boxHeight, gapX } = geometry;
  const start = { x: from.x + boxWidth / 2, y: from.y + boxHeight };
  const end = { x: to.x + boxWidth / 2, y: to.y };
  const points: Point[] = [start];
  for (let layer = from.layer + 1; layer < to.layer; layer++) {
    const row = placement.rows[layer];
    if (!row || row.spans.length === 0) continue;
    const share = (layer - from.layer) / (to.layer - from.layer);
    const ideal = start.x + (end.x - start.x) * share;
    const gaps = [row.spans[0]![0] - gapX / 2];
    row.spans.forEach(([, right], index) => {
      const next = row.spans[index + 1];
      gaps.push(next ? (right + next[0]) / 2 : right + gapX / 2);
    });
    const x = gaps.reduce((best, gap) =>
      Math.abs(gap - ideal) < Math.abs(best - ideal) ? gap : best,
    );
    points.push({ x, y: row.top }, { x, y: row.bottom });
  }
  points.push(end);
  return points;
}

/** An SVG path through `points`: vertical straight runs, S-curves between them. */
export function pathThrough(points: Point[]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  let d = `M ${first.x} ${first.y}`;
  let previous = first;
  for (const point of rest) {
    if (point.x === previous.x) {
      d += ` L ${point.x} ${point.y}`;
    } else {
      const middle = (previous.y + point.y) / 2;
      d += ` C ${previous.x} ${middle}, ${point.x} ${middle}, ${point.x} ${point.y}`;
    }
    previous = point;
  }
  return d;
}

/**
 * A lesson title in at most `lines` lines of about `width` characters, broken between
 * words; what does not fit ends with an ellipsis (the box's tooltip has it whole).
 */
export function wrapTitle(title: string, width: number, lines = 2): string[] {
  const words = title.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = "";
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line) out.push(line);
    line = word;
    if (out.length === lines - 1) {
      const rest = words.slice(i).join(" ");
      out.push(
        rest.length <= width ? rest : `${rest.slice(0, width - 1).trimEnd()}…`,
      );
      return out;
    }
  }
  if (line)
    out.push(line.length <= width ? line : `${line.slice(0, width - 1)}…`);
  return out;
}
