import { describe, expect, it } from "vitest";
import {
  layoutCourseGraph,
  pathThrough,
  placeBoxes,
  routeArrow,
  wrapTitle,
  type MapLesson,
  type Prerequisite,
} from "./graph.js";

function lesson(
  id: number,
  sort: number,
  kind = "lesson",
  moduleSort = 1,
): MapLesson {
  return { id, title: `L${id}`, kind, status: "published", moduleSort, sort };
}

const requires = (lesson: number, prerequisite: number): Prerequisite => ({
  lesson,
  prerequisite,
});

describe("the course map's layers", () => {
  it("put each lesson below the longest chain of its prerequisites", () => {
    // 1 -> 2 -> 3, and 1 -> 3 directly: 3 goes below 2, not beside it.
    const graph = layoutCourseGraph(
      [lesson(1, 1), lesson(2, 2), lesson(3, 3)],
      [requires(2, 1), requires(3, 2), requires(3, 1)],
    );
    expect(graph.layers).toEqual([[1], [2], [3]]);
    expect(graph.cycles).toEqual([]);
    expect(graph.arrows.every((arrow) => !arrow.closesCycle)).toBe(true);
  });

  it("keep course order within a layer, then follow the prerequisites above", () => {
    // Module 2's lesson 10 comes after module 1's lessons whatever its id.
    const graph = layoutCourseGraph(
      [lesson(10, 1, "lesson", 2), lesson(2, 2), lesson(1, 1)],
      [],
    );
    expect(graph.layers).toEqual([[1, 2, 10]]);
    // 4 requires 2 (right), 3 requires 1 (left): 3 is drawn left of 4.
    const crossing = layoutCourseGraph(
      [lesson(1, 1), lesson(2, 2), lesson(4, 3), lesson(3, 4)],
      [requires(4, 2), requires(3, 1)],
    );
    expect(crossing.layers).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("set remediation lessons outside any prerequisite aside as detours", () => {
    const graph = layoutCourseGraph(
      [lesson(1, 1), lesson(2, 2, "remediation"), lesson(3, 3, "remediation")],
      [requires(3, 1)],
    );
    expect(graph.detours).toEqual([2]);
    expect(graph.layers).toEqual([[1], [3]]);
  });

  it("survive a prerequisite cycle and name the lessons on it", () => {
    // 1 requires 2, 2 requires 3, 3 requires 1; 4 requires 3.
    const graph = layoutCourseGraph(
      [lesson(1, 1), lesson(2, 2), lesson(3, 3), lesson(4, 4)],
      [requires(1, 2), requires(2, 3), requires(3, 1), requires(4, 3)],
    );
    expect(graph.cycles).toHaveLength(1);
    expect([...graph.cycles[0]!].sort()).toEqual([1, 2, 3]);
    expect(graph.arrows.filter((arrow) => arrow.closesCycle)).toHaveLength(1);
    expect(graph.layers.flat().sort()).toEqual([1, 2, 3, 4]);
  });

  it("treat a lesson requiring itself as a cycle", () => {
    const graph = layoutCourseGraph([lesson(1, 1)], [requires(1, 1)]);
    expect(graph.cycles).toEqual([[1]]);
    expect(graph.layers).toEqual([[1]]);
  });

  it("ignore prerequisites on lessons of other courses and duplicates", () => {
    const graph = layoutCourseGraph(
      [lesson(1, 1), lesson(2, 2)],
      [requires(2, 1), requires(2, 1), requires(2, 99)],
    );
    expect(graph.arrows).toEqual([{ from: 1, to: 2, closesCycle: false }]);
  });

  it("lay out a long chain without deep recursion", () => {
    const lessons = Array.from({ length: 5000 }, (_, i) => lesson(i + 1, i));
    const chain = lessons.slice(1).map((l) => requires(l.id, l.id - 1));
    const graph = layoutCourseGraph(lessons, chain);
    expect(graph.layers).toHaveLength(5000);
  });
});

describe("box placement", () => {
  const geometry = {
    boxWidth: 100,
    boxHeight: 40,
    gapX: 20,
    gapY: 30,
    padding: 10,
  };

  it("centres each layer in the widest one", () => {
    const { boxes, width, height, rows } = placeBoxes([[1, 2], [3]], geometry);
    expect(width).toBe(2 * 100 + 20 + 20);
    expect(height).toBe(2 * 40 + 30 + 20);
    expect(boxes.get(1)).toEqual({ id: 1, x: 10, y: 10, layer: 0 });
    expect(boxes.get(2)).toEqual({ id: 2, x: 130, y: 10, layer: 0 });
    expect(boxes.get(3)).toEqual({ id: 3, x: 70, y: 80, layer: 1 });
    expect(rows[1]).toEqual({ top: 80, bottom: 120, spans: [[70, 170]] });
  });

  it("routes an arrow that skips a layer through a gap, not behind a box", () => {
    // Layer 1 has two boxes side by side; 1 (top) -> 5 (bottom) skips it.
    const placement = placeBoxes([[1], [2, 3], [5]], geometry);
    const points = routeArrow(
      placement.boxes.get(1)!,
      placement.boxes.get(5)!,
      placement,
      geometry,
    );
    const between = points.slice(1, -1);
    expect(between).toHaveLength(2);
    const x = between[0]!.x;
    // The gap between boxes 2 and 3 (x 110..130 in a 240 wide drawing).
    expect(x).toBe(120);
    for (const [left, right] of placement.rows[1]!.spans) {
      expect(x < left || x > right).toBe(true);
    }
    // A neighbouring arrow needs no detour.
    expect(
      routeArrow(
        placement.boxes.get(1)!,
        placement.boxes.get(2)!,
        placement,
        geometry,
      ),
    ).toHaveLength(2);
    expect(pathThrough(points)).toMatch(
      /^M 120 50 L 120 80 L 120 120 L 120 150$/,
    );
  });

  it("wraps long titles on two lines and shortens what is left", () => {
    expect(wrapTitle("What is a fraction?", 30)).toEqual([
      "What is a fraction?",
    ]);
    expect(
      wrapTitle("Adding and subtracting with the same denominator", 30),
    ).toEqual(["Adding and subtracting with", "the same denominator"]);
    expect(
      wrapTitle(
        "Comparing fractions with benchmarks and missing pieces of pizza",
        24,
      ),
    ).toEqual(["Comparing fractions with", "benchmarks and missing…"]);
    expect(wrapTitle("Supercalifragilisticexpialidocious", 10)).toEqual([
      "Supercali…",
    ]);
  });
});
