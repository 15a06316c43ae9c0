//! Learning paths: a course's lessons in prerequisite order, each done, available or
//! locked for one student.
//!
//! Order: a topological order of the prerequisite graph that is stable: among lessons
//! whose prerequisites are placed, the next one is the first by (module order, lesson
//! order, id). A cycle is a [`PathError::Cycle`] naming the lessons on it.
//!
//! Broken prerequisites never stop a student: [`usable_path`] and
//! [`recompute_usable_paths`] (what the worker uses) ignore the prerequisites that cannot
//! be honoured and keep every other one. A prerequisite naming a lesson that is not in
//! the course is ignored. Lessons on a cycle (more exactly, in one strongly connected
//! part of the graph: each of them requires, through others, each other one) lose the
//! prerequisites they have on each other, and keep those on lessons outside the cycle;
//! lessons that require a lesson of the cycle still require it. So a student sees the
//! lessons of a cycle in course order (module, then lesson order), each available once
//! its prerequisites outside the cycle are done, and the rest of the path unchanged.
//! [`prerequisite_problems`] lists what was ignored, for the editors.
//!
//! Steps: regular and practice lessons. Remediation lessons are detours recommended to a
//! student who struggles, not steps every student must take, so they are not listed;
//! they still count as prerequisites when a lesson names one.
//!
//! Done: see [`CompletionRule`]. Available: not done, every prerequisite done. Locked:
//! otherwise. The current lesson is the first available step; progress is the share of
//! steps done.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::content::{Course, Lesson, LessonKind, at_least};
use super::mastery::MasteryState;

/// Where a student stands on one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    Available,
    Locked,
}

/// One lesson of a path (serializes as `{"lesson": 3, "state": "done"}`, the shape of
/// `learning_paths.steps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    pub lesson: i64,
    pub state: StepState,
}

/// A student's path through a course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningPath {
    /// Regular and practice lessons in prerequisite order.
    pub steps: Vec<PathStep>,
    /// The first available step; `None` when every step is done (or locked).
    pub current_lesson: Option<i64>,
    /// Share of steps done, 0..=1 (0 for a course without steps).
    pub progress: f64,
}

impl LearningPath {
    /// The state of `lesson` on this path, if it is a step.
    pub fn state_of(&self, lesson: i64) -> Option<StepState> {
        self.steps
            .iter()
            .find(|step| step.lesson == lesson)
            .map(|step| step.state)
    }

    /// The available lessons, in path order.
    pub fn available(&self) -> impl Iterator<Item = i64> + '_ {
        self.steps
            .iter()
            .filter(|step| step.state == StepState::Available)
            .map(|step| step.lesson)
    }
}

/// When a lesson counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionRule {
    /// The latest graded attempt reached the course's advance threshold. A lesson without
    /// questions is done once it has any graded attempt (there is nothing to score).
    LatestScore,
    /// Every skill the lesson teaches is mastered. A lesson that teaches no skill falls
    /// back to [`CompletionRule::LatestScore`].
    SkillsMastered,
    /// The default: the student's own latest attempt on the lesson decides when there is
    /// one; a lesson they have not tried yet is done once they master its skills (through
    /// other lessons), so they are not held back by it. A lesson just failed is never
    /// shown done beside the remediation it earned, however high the skill's estimate.
    #[default]
    ScoreOrMastery,
}

/// What the path needs to know about one student.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StudentProgress {
    /// The score of the latest graded attempt per lesson id.
    #[serde(default)]
    pub latest_scores: HashMap<i64, f64>,
    /// Mastery per skill id (skills missing here are at their `p_init`, not mastered
    /// unless `p_init` reaches the threshold).
    #[serde(default)]
    pub mastery: HashMap<i64, MasteryState>,
}

/// The course structure cannot make a path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    /// `lessons[i]` requires `lessons[i + 1]`, and the last requires the first.
    #[error("prerequisite cycle: {}", describe_cycle(lessons, titles))]
    Cycle {
        lessons: Vec<i64>,
        titles: Vec<String>,
    },
    #[error(
        "lesson {lesson} ({title}) has prerequisite {prerequisite}, which is not a lesson of this course"
    )]
    UnknownPrerequisite {
        lesson: i64,
        title: String,
        prerequisite: i64,
    },
    #[error("lesson {lesson} appears more than once in the course")]
    DuplicateLesson { lesson: i64 },
}

fn describe_cycle(lessons: &[i64], titles: &[String]) -> String {
    let mut text = String::new();
    for (id, title) in lessons
        .iter()
        .zip(titles)
        .chain(lessons.iter().zip(titles).take(1))
    {
        if !text.is_empty() {
            text.push_str(" requires ");
        }
        let _ = write!(text, "\"{title}\" ({id})");
    }
    text
}

/// The lessons of a course (all kinds) in stable prerequisite order, as indices into
/// `course.lessons`, with each lesson's prerequisites resolved to indices.
#[derive(Debug, Clone)]
pub(crate) struct LessonGraph {
    pub order: Vec<usize>,
    pub prerequisites: Vec<Vec<usize>>,
    pub index: LessonIndex,
}

impl LessonGraph {
    pub fn build(course: &Course) -> Result<Self, PathError> {
        let index = LessonIndex::build(&course.lessons)?;
        let prerequisites = resolve_prerequisites(&course.lessons, &index)?;
        let order = topological_order(&course.lessons, &prerequisites)?;
        Ok(Self {
            order,
            prerequisites,
            index,
        })
    }

    /// The graph with every prerequisite that cannot be honoured left out, and what was
    /// left out: unknown prerequisites, the second and later lessons with one id, and the
    /// prerequisites between lessons of one cycle (see the module's documentation). The
    /// common case (a sound course) costs what [`LessonGraph::build`] costs.
    pub fn build_usable(course: &Course) -> (Self, Vec<PathError>) {
        let lessons = &course.lessons;
        let mut problems = Vec::new();
        let (index, duplicates) = LessonIndex::build_keeping_first(lessons);
        problems.extend(
            duplicates
                .iter()
                .map(|&position| PathError::DuplicateLesson {
                    lesson: lessons[position].id,
                }),
        );
        let mut prerequisites: Vec<Vec<usize>> = Vec::with_capacity(lessons.len());
        for (position, lesson) in lessons.iter().enumerate() {
            let mut resolved: Vec<usize> = Vec::with_capacity(lesson.prerequisites.len());
            // A duplicate is left out of the order: its prerequisites do not matter.
            if !duplicates.contains(&position) {
                for &prerequisite in &lesson.prerequisites {
                    match index.position(prerequisite) {
                        Some(found) if !resolved.contains(&found) => resolved.push(found),
                        Some(_) => {}
                        None => {
                            let problem = PathError::UnknownPrerequisite {
                                lesson: lesson.id,
                                title: lesson.title.clone(),
                                prerequisite,
                            };
                            if !problems.contains(&problem) {
                                problems.push(problem);
                            }
                        }
                    }
                }
            }
            prerequisites.push(resolved);
        }
        let included = |position: usize| !duplicates.contains(&position);
        let order = match topological_order_of(lessons, &prerequisites, &included) {
            Ok(order) => order,
            Err(_) => {
                let component = strongly_connected_components(&prerequisites);
                problems.extend(cycles_of(lessons, &prerequisites, &component));
                for (position, required) in prerequisites.iter_mut().enumerate() {
                    required.retain(|&prerequisite| component[prerequisite] != component[position]);
                }
                topological_order_of(lessons, &prerequisites, &included)
                    .unwrap_or_else(|_| unreachable_order(lessons, &included))
            }
        };
        (
            Self {
                order,
                prerequisites,
                index,
            },
            problems,
        )
    }

    /// A copy of `course` whose lessons list only the prerequisites this graph honours,
    /// for the readers of `Lesson::prerequisites` (recommendations).
    pub fn honoured_course(&self, course: &Course) -> Course {
        let mut honoured = course.clone();
        for (lesson, required) in honoured.lessons.iter_mut().zip(&self.prerequisites) {
            lesson.prerequisites = required
                .iter()
                .map(|&position| course.lessons[position].id)
                .collect();
        }
        honoured
    }

    /// Which lessons (by position) have at least one question.
    fn lessons_with_questions(&self, course: &Course) -> Vec<bool> {
        let mut has_questions = vec![false; course.lessons.len()];
        let mut previous = None;
        for lesson in course
            .questions
            .iter()
            .filter_map(|question| question.lesson)
        {
            // Questions usually come grouped by lesson: skip the repeats cheaply.
            if previous != Some(lesson) {
                previous = Some(lesson);
                if let Some(position) = self.index.position(lesson) {
                    has_questions[position] = true;
                }
            }
        }
        has_questions
    }
}

/// Lesson id to position in `course.lessons`: a sorted list searched by bisection,
/// cheaper than hashing for a course's few hundred lessons.
#[derive(Debug, Clone)]
pub(crate) struct LessonIndex(Vec<(i64, usize)>);

impl LessonIndex {
    fn build(lessons: &[Lesson]) -> Result<Self, PathError> {
        let mut entries: Vec<(i64, usize)> = lessons
            .iter()
            .enumerate()
            .map(|(position, lesson)| (lesson.id, position))
            .collect();
        entries.sort_unstable();
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(PathError::DuplicateLesson { lesson: pair[0].0 });
        }
        Ok(Self(entries))
    }

    /// The index of the first lesson with each id, and the positions of the others.
    fn build_keeping_first(lessons: &[Lesson]) -> (Self, Vec<usize>) {
        let mut entries: Vec<(i64, usize)> = lessons
            .iter()
            .enumerate()
            .map(|(position, lesson)| (lesson.id, position))
            .collect();
        entries.sort_unstable();
        let mut duplicates = Vec::new();
        entries.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                duplicates.push(later.1);
            }
            same
        });
        duplicates.sort_unstable();
        (Self(entries), duplicates)
    }

    pub fn position(&self, id: i64) -> Option<usize> {
        self.0
            .binary_search_by_key(&id, |&(lesson, _)| lesson)
            .ok()
            .map(|found| self.0[found].1)
    }
}

fn resolve_prerequisites(
    lessons: &[Lesson],
    index: &LessonIndex,
) -> Result<Vec<Vec<usize>>, PathError> {
    lessons
        .iter()
        .map(|lesson| {
            let mut resolved: Vec<usize> = Vec::with_capacity(lesson.prerequisites.len());
            for &prerequisite in &lesson.prerequisites {
                let position =
                    index
                        .position(prerequisite)
                        .ok_or_else(|| PathError::UnknownPrerequisite {
                            lesson: lesson.id,
                            title: lesson.title.clone(),
                            prerequisite,
                        })?;
                if !resolved.contains(&position) {
                    resolved.push(position);
                }
            }
            Ok(resolved)
        })
        .collect()
}

type OrderKey = (i64, i64, i64, usize);

fn order_key(lessons: &[Lesson], position: usize) -> OrderKey {
    let lesson = &lessons[position];
    (lesson.module_sort, lesson.sort, lesson.id, position)
}

/// Kahn's algorithm with a min-heap on (module order, lesson order, id): O((V + E) log V).
fn topological_order(
    lessons: &[Lesson],
    prerequisites: &[Vec<usize>],
) -> Result<Vec<usize>, PathError> {
    topological_order_of(lessons, prerequisites, &|_| true)
        .map_err(|waiting_on| find_cycle(lessons, prerequisites, &|p| waiting_on[p] > 0))
}

/// [`topological_order`] of the `included` lessons (the others are never placed); when
/// the graph has a cycle, how many prerequisites each lesson is still waiting on.
fn topological_order_of(
    lessons: &[Lesson],
    prerequisites: &[Vec<usize>],
    included: &dyn Fn(usize) -> bool,
) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting_on: Vec<usize> = prerequisites.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); lessons.len()];
    for (lesson, required) in prerequisites.iter().enumerate() {
        for &prerequisite in required {
            dependents[prerequisite].push(lesson);
        }
    }
    let mut ready: BinaryHeap<Reverse<OrderKey>> = (0..lessons.len())
        .filter(|&position| waiting_on[position] == 0)
        .map(|position| Reverse(order_key(lessons, position)))
        .collect();
    let mut order = Vec::with_capacity(lessons.len());
    let mut placed = 0;
    while let Some(Reverse((_, _, _, position))) = ready.pop() {
        placed += 1;
        if included(position) {
            order.push(position);
        }
        for &dependent in &dependents[position] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.push(Reverse(order_key(lessons, dependent)));
            }
        }
    }
    if placed == lessons.len() {
        Ok(order)
    } else {
        Err(waiting_on)
    }
}

/// The strongly connected component of each lesson (Tarjan's algorithm, iterative so a
/// long chain of prerequisites cannot overflow the stack): two lessons share one when
/// each requires the other, directly or through others. O(V + E).
fn strongly_connected_components(prerequisites: &[Vec<usize>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let n = prerequisites.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut component = vec![UNVISITED; n];
    let (mut next_index, mut next_component) = (0, 0);
    // (lesson, how many of its prerequisites were explored)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(&(lesson, explored)) = calls.last() {
            if let Some(&next) = prerequisites[lesson].get(explored) {
                if let Some(call) = calls.last_mut() {
                    call.1 += 1;
                }
                if index[next] == UNVISITED {
                    index[next] = next_index;
                    low[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    calls.push((next, 0));
                } else if on_stack[next] {
                    low[lesson] = low[lesson].min(index[next]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(caller, _)) = calls.last() {
                low[caller] = low[caller].min(low[lesson]);
            }
            if low[lesson] == index[lesson] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == lesson {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// One [`PathError::Cycle`] per component that holds a cycle (several lessons, or one
/// that requires itself), in course order of each component's first lesson.
fn cycles_of(
    lessons: &[Lesson],
    prerequisites: &[Vec<usize>],
    component: &[usize],
) -> Vec<PathError> {
    let mut firsts: Vec<usize> = Vec::new();
    for position in 0..lessons.len() {
        let on_cycle = prerequisites[position]
            .iter()
            .any(|&prerequisite| component[prerequisite] == component[position]);
        if !on_cycle {
            continue;
        }
        match firsts
            .iter_mut()
            .find(|first| component[**first] == component[position])
        {
            Some(first) if order_key(lessons, position) < order_key(lessons, *first) => {
                *first = position;
            }
            Some(_) => {}
            None => firsts.push(position),
        }
    }
    firsts.sort_by_key(|&first| order_key(lessons, first));
    firsts
        .into_iter()
        .map(|first| {
            find_cycle(lessons, prerequisites, &|p| {
                component[p] == component[first]
            })
        })
        .collect()
}

/// Never used: after the prerequisites within cycles are left out the graph has none.
/// Course order, so that even a bug here cannot stop grading.
fn unreachable_order(lessons: &[Lesson], included: &dyn Fn(usize) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lessons.len()).filter(|&p| included(p)).collect();
    order.sort_by_key(|&position| order_key(lessons, position));
    order
}

/// Every lesson in `stuck` has a prerequisite that is also in `stuck` (the lessons a
/// topological sort could not place, or one strongly connected component), so walking
/// from one to its (first) prerequisite in `stuck` must come back on itself: that loop is
/// a cycle. Deterministic: starts from, and is rotated to begin at, the first lesson by
/// order key.
fn find_cycle(
    lessons: &[Lesson],
    prerequisites: &[Vec<usize>],
    stuck: &dyn Fn(usize) -> bool,
) -> PathError {
    let stuck = |position: &usize| stuck(*position);
    let first_stuck = |candidates: &mut dyn Iterator<Item = usize>| {
        candidates
            .filter(stuck)
            .min_by_key(|&position| order_key(lessons, position))
    };
    let mut walk: Vec<usize> = Vec::new();
    // Where each lesson is on the walk: a cycle of thousands of lessons stays linear.
    let mut step_of: Vec<Option<usize>> = vec![None; lessons.len()];
    let mut current = first_stuck(&mut (0..lessons.len()));
    while let Some(position) = current {
        if let Some(start) = step_of[position] {
            let mut cycle = walk.split_off(start);
            let smallest = (0..cycle.len())
                .min_by_key(|&i| order_key(lessons, cycle[i]))
                .unwrap_or(0);
            cycle.rotate_left(smallest);
            return PathError::Cycle {
                lessons: cycle.iter().map(|&p| lessons[p].id).collect(),
                titles: cycle.iter().map(|&p| lessons[p].title.clone()).collect(),
            };
        }
        step_of[position] = Some(walk.len());
        walk.push(position);
        current = first_stuck(&mut prerequisites[position].iter().copied());
    }
    // Unreachable for a graph Kahn's algorithm could not finish; report what is stuck.
    let stuck_lessons: Vec<usize> = (0..lessons.len()).filter(stuck).collect();
    PathError::Cycle {
        lessons: stuck_lessons.iter().map(|&p| lessons[p].id).collect(),
        titles: stuck_lessons
            .iter()
            .map(|&p| lessons[p].title.clone())
            .collect(),
    }
}

/// Checks the prerequisite graph: known lessons, no duplicates, no cycle. What an editor
/// sees at save time.
pub fn validate_prerequisites(course: &Course) -> Result<(), PathError> {
    LessonGraph::build(course).map(|_| ())
}

/// Every problem of the prerequisite graph, each once: duplicate lessons, unknown
/// prerequisites, then one cycle per group of lessons that require each other. Empty for
/// a sound course. What [`usable_path`] ignores.
pub fn prerequisite_problems(course: &Course) -> Vec<PathError> {
    LessonGraph::build_usable(course).1
}

/// A copy of `course` whose lessons list only the prerequisites a path can honour, or
/// `None` when it honours them all. For the worker to do once per course load what
/// [`super::process_attempt`] would otherwise do per attempt (copy the course).
pub fn usable_course(course: &Course) -> Option<Course> {
    let (graph, problems) = LessonGraph::build_usable(course);
    (!problems.is_empty()).then(|| graph.honoured_course(course))
}

/// The student's path, whatever is wrong with the prerequisites: the ones that cannot be
/// honoured are ignored (see the module's documentation). What the worker shows students.
pub fn usable_path(
    course: &Course,
    progress: &StudentProgress,
    rule: CompletionRule,
) -> LearningPath {
    let (graph, _) = LessonGraph::build_usable(course);
    path_from_graph(course, &graph, progress, rule)
}

/// [`recompute_paths`] whatever is wrong with the prerequisites, like [`usable_path`].
pub fn recompute_usable_paths(
    course: &Course,
    students: &[StudentProgress],
    rule: CompletionRule,
) -> Vec<LearningPath> {
    let (graph, _) = LessonGraph::build_usable(course);
    students
        .iter()
        .map(|progress| path_from_graph(course, &graph, progress, rule))
        .collect()
}

/// Every lesson id of the course (remediation included) in stable prerequisite order.
pub fn lesson_order(course: &Course) -> Result<Vec<i64>, PathError> {
    let graph = LessonGraph::build(course)?;
    Ok(graph
        .order
        .iter()
        .map(|&position| course.lessons[position].id)
        .collect())
}

/// The student's path through the course.
pub fn build_path(
    course: &Course,
    progress: &StudentProgress,
    rule: CompletionRule,
) -> Result<LearningPath, PathError> {
    let graph = LessonGraph::build(course)?;
    Ok(path_from_graph(course, &graph, progress, rule))
}

/// Paths of many students after a content change (lessons, prerequisites, thresholds,
/// questions): the graph is built once; the paths come back in the order of `students`.
pub fn recompute_paths(
    course: &Course,
    students: &[StudentProgress],
    rule: CompletionRule,
) -> Result<Vec<LearningPath>, PathError> {
    let graph = LessonGraph::build(course)?;
    Ok(students
        .iter()
        .map(|progress| path_from_graph(course, &graph, progress, rule))
        .collect())
}

pub(crate) fn path_from_graph(
    course: &Course,
    graph: &LessonGraph,
    progress: &StudentProgress,
    rule: CompletionRule,
) -> LearningPath {
    let has_questions = graph.lessons_with_questions(course);
    let done: Vec<bool> = course
        .lessons
        .iter()
        .zip(&has_questions)
        .map(|(lesson, &has_questions)| is_done(course, lesson, has_questions, progress, rule))
        .collect();
    let steps: Vec<PathStep> = graph
        .order
        .iter()
        .filter(|&&position| course.lessons[position].kind != LessonKind::Remediation)
        .map(|&position| {
            let state = if done[position] {
                StepState::Done
            } else if graph.prerequisites[position]
                .iter()
                .all(|&prerequisite| done[prerequisite])
            {
                StepState::Available
            } else {
                StepState::Locked
            };
            PathStep {
                lesson: course.lessons[position].id,
                state,
            }
        })
        .collect();
    let done_steps = steps
        .iter()
        .filter(|step| step.state == StepState::Done)
        .count();
    let progress = if steps.is_empty() {
        0.0
    } else {
        done_steps as f64 / steps.len() as f64
    };
    let current_lesson = steps
        .iter()
        .find(|step| step.state == StepState::Available)
        .map(|step| step.lesson);
    LearningPath {
        steps,
        current_lesson,
        progress,
    }
}

/// Whether `lesson` is done for this student under `rule`.
pub fn is_done(
    course: &Course,
    lesson: &Lesson,
    has_questions: bool,
    progress: &StudentProgress,
    rule: CompletionRule,
) -> bool {
    let by_score = || match progress.latest_scores.get(&lesson.id) {
        Some(score) if has_questions => at_least(*score, course.advance_threshold),
        Some(_) => true,
        None => false,
    };
    let by_mastery = || {
        !lesson.skills.is_empty()
            && lesson
                .skills
                .iter()
                .all(|skill| skill_mastered(course, progress, *skill))
    };
    match rule {
        CompletionRule::LatestScore => by_score(),
        CompletionRule::SkillsMastered if lesson.skills.is_empty() => by_score(),
        CompletionRule::SkillsMastered => by_mastery(),
        CompletionRule::ScoreOrMastery if progress.latest_scores.contains_key(&lesson.id) => {
            by_score()
        }
        CompletionRule::ScoreOrMastery => by_mastery(),
    }
}

/// Whether the student masters `skill` under the course's current threshold (a skill
/// without a stored state is at its `p_init`).
pub fn skill_mastered(course: &Course, progress: &StudentProgress, skill: i64) -> bool {
    let p_known = progress
        .mastery
        .get(&skill)
        .map(|state| state.p_known)
        .or_else(|| course.skill(skill).map(|skill| skill.p_init))
        .unwrap_or(0.0);
    at_least(p_known, course.mastery_threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::{course, lesson, skill, tf_question};

    fn states(path: &LearningPath) -> Vec<(i64, StepState)> {
        path.steps
            .iter()
            .map(|step| (step.lesson, step.state))
            .collect()
    }

    fn scores(pairs: &[(i64, f64)]) -> StudentProgress {
        StudentProgress {
            latest_scores: pairs.iter().copied().collect(),
            mastery: HashMap::new(),
        }
    }

    /// Lessons 1..=n, each with one question, so scores decide.
    fn with_questions(lessons: Vec<Lesson>) -> Course {
        let questions = lessons
            .iter()
            .map(|l| tf_question(100 + l.id, l.id, &[]))
            .collect();
        course(lessons, vec![], questions)
    }

    #[test]
    fn a_chain_is_ordered_and_unlocks_one_by_one() {
        let c = with_questions(vec![lesson(3, &[2]), lesson(1, &[]), lesson(2, &[1])]);
        let path = build_path(&c, &scores(&[]), CompletionRule::LatestScore).expect("no cycle");
        use StepState::*;
        assert_eq!(
            states(&path),
            vec![(1, Available), (2, Locked), (3, Locked)]
        );
        assert_eq!(path.current_lesson, Some(1));
        assert_eq!(path.progress, 0.0);
        let path =
            build_path(&c, &scores(&[(1, 0.95)]), CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(states(&path), vec![(1, Done), (2, Available), (3, Locked)]);
        assert_eq!(path.current_lesson, Some(2));
        assert!((path.progress - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn done_exactly_at_the_advance_threshold() {
        let c = with_questions(vec![lesson(1, &[])]);
        let at =
            build_path(&c, &scores(&[(1, 0.9)]), CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(at.steps[0].state, StepState::Done);
        let below = build_path(&c, &scores(&[(1, 0.899_999)]), CompletionRule::LatestScore)
            .expect("no cycle");
        assert_eq!(below.steps[0].state, StepState::Available);
    }

    #[test]
    fn equal_lessons_keep_module_then_lesson_order() {
        let mut a = lesson(10, &[]);
        a.module_sort = 2;
        a.sort = 1;
        let mut b = lesson(20, &[]);
        b.module_sort = 1;
        b.sort = 5;
        let mut c = lesson(30, &[]);
        c.module_sort = 1;
        c.sort = 2;
        let order = lesson_order(&course(vec![a, b, c], vec![], vec![])).expect("no cycle");
        assert_eq!(order, vec![30, 20, 10]);
    }

    #[test]
    fn prerequisites_override_module_order() {
        let mut early = lesson(1, &[2]);
        early.module_sort = 0;
        let order =
            lesson_order(&course(vec![early, lesson(2, &[])], vec![], vec![])).expect("no cycle");
        assert_eq!(order, vec![2, 1]);
    }

    #[test]
    fn diamond_graph() {
        // 1 -> {2, 3} -> 4
        let c = with_questions(vec![
            lesson(4, &[2, 3]),
            lesson(3, &[1]),
            lesson(2, &[1]),
            lesson(1, &[]),
        ]);
        assert_eq!(lesson_order(&c).expect("no cycle"), vec![1, 2, 3, 4]);
        use StepState::*;
        let path = build_path(
            &c,
            &scores(&[(1, 1.0), (2, 1.0)]),
            CompletionRule::LatestScore,
        )
        .expect("no cycle");
        assert_eq!(
            states(&path),
            vec![(1, Done), (2, Done), (3, Available), (4, Locked)]
        );
        let path = build_path(
            &c,
            &scores(&[(1, 1.0), (2, 1.0), (3, 0.95)]),
            CompletionRule::LatestScore,
        )
        .expect("no cycle");
        assert_eq!(
            states(&path),
            vec![(1, Done), (2, Done), (3, Done), (4, Available)]
        );
    }

    #[test]
    fn a_cycle_names_its_lessons_and_only_them() {
        // 1 <- 2 <- 3 <- 4 <- 2 (2, 3, 4 form the cycle); 5 depends on the cycle.
        let mut lessons = vec![
            lesson(1, &[]),
            lesson(2, &[1, 4]),
            lesson(3, &[2]),
            lesson(4, &[3]),
            lesson(5, &[4]),
        ];
        lessons[1].title = "Equivalent fractions".into();
        let error = lesson_order(&course(lessons, vec![], vec![])).expect_err("cycle");
        match &error {
            PathError::Cycle { lessons, .. } => assert_eq!(lessons, &vec![2, 4, 3]),
            other => panic!("expected a cycle, got {other:?}"),
        }
        assert_eq!(
            error.to_string(),
            "prerequisite cycle: \"Equivalent fractions\" (2) requires \"Lesson 4\" (4) requires \"Lesson 3\" (3) requires \"Equivalent fractions\" (2)"
        );
    }

    #[test]
    fn a_lesson_that_requires_itself_is_a_cycle() {
        let error = validate_prerequisites(&course(vec![lesson(7, &[7])], vec![], vec![]))
            .expect_err("cycle");
        assert_eq!(
            error.to_string(),
            "prerequisite cycle: \"Lesson 7\" (7) requires \"Lesson 7\" (7)"
        );
    }

    #[test]
    fn unknown_prerequisites_and_duplicate_lessons_are_errors() {
        let error = validate_prerequisites(&course(vec![lesson(1, &[99])], vec![], vec![]))
            .expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "lesson 1 (Lesson 1) has prerequisite 99, which is not a lesson of this course"
        );
        let error = validate_prerequisites(&course(
            vec![lesson(1, &[]), lesson(1, &[])],
            vec![],
            vec![],
        ))
        .expect_err("dup");
        assert_eq!(error, PathError::DuplicateLesson { lesson: 1 });
    }

    #[test]
    fn repeated_prerequisites_count_once() {
        let c = with_questions(vec![lesson(1, &[]), lesson(2, &[1, 1])]);
        let path =
            build_path(&c, &scores(&[(1, 1.0)]), CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(path.steps[1].state, StepState::Available);
    }

    #[test]
    fn a_one_lesson_course() {
        let c = with_questions(vec![lesson(1, &[])]);
        let path = build_path(&c, &scores(&[]), CompletionRule::default()).expect("no cycle");
        assert_eq!((path.current_lesson, path.progress), (Some(1), 0.0));
        let path =
            build_path(&c, &scores(&[(1, 1.0)]), CompletionRule::default()).expect("no cycle");
        assert_eq!((path.current_lesson, path.progress), (None, 1.0));
    }

    #[test]
    fn an_empty_course_has_an_empty_path() {
        let path = build_path(
            &course(vec![], vec![], vec![]),
            &scores(&[]),
            CompletionRule::default(),
        )
        .expect("no cycle");
        assert_eq!(
            (path.steps.len(), path.current_lesson, path.progress),
            (0, None, 0.0)
        );
    }

    #[test]
    fn a_lesson_without_questions_is_done_once_attempted() {
        let c = course(vec![lesson(1, &[]), lesson(2, &[1])], vec![], vec![]);
        let path =
            build_path(&c, &scores(&[(1, 0.0)]), CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
        assert_eq!(path.current_lesson, Some(2));
    }

    fn mastered(p_known: f64) -> MasteryState {
        let mut state = MasteryState::new(&skill(1, "s"), 0.95);
        state.p_known = p_known;
        state
    }

    #[test]
    fn skills_mastered_rule() {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1, 2];
        let c = course(
            vec![l1, lesson(2, &[1])],
            vec![skill(1, "a"), skill(2, "b")],
            vec![tf_question(9, 1, &[1, 2])],
        );
        let mut progress = scores(&[]);
        progress.mastery.insert(1, mastered(0.95));
        let path = build_path(&c, &progress, CompletionRule::SkillsMastered).expect("no cycle");
        assert_eq!(
            path.steps[0].state,
            StepState::Available,
            "one skill of two mastered"
        );
        progress.mastery.insert(2, mastered(0.96));
        let path = build_path(&c, &progress, CompletionRule::SkillsMastered).expect("no cycle");
        assert_eq!(
            path.steps[0].state,
            StepState::Done,
            "both mastered, never attempted"
        );
        let path = build_path(&c, &progress, CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(
            path.steps[0].state,
            StepState::Available,
            "score rule ignores mastery"
        );
        let path = build_path(&c, &progress, CompletionRule::ScoreOrMastery).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
    }

    #[test]
    fn skills_mastered_rule_ignores_a_good_score() {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1];
        let c = course(vec![l1], vec![skill(1, "a")], vec![tf_question(9, 1, &[1])]);
        let path =
            build_path(&c, &scores(&[(1, 1.0)]), CompletionRule::SkillsMastered).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Available);
        let path =
            build_path(&c, &scores(&[(1, 1.0)]), CompletionRule::ScoreOrMastery).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
    }

    #[test]
    fn a_lesson_just_failed_is_not_done_however_well_its_skills_are_known() {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1];
        let c = course(vec![l1], vec![skill(1, "a")], vec![tf_question(9, 1, &[1])]);
        // Mastered through other lessons, then failed on this one: the attempt decides.
        let mut progress = scores(&[(1, 0.5)]);
        progress.mastery.insert(1, mastered(0.99));
        let path = build_path(&c, &progress, CompletionRule::ScoreOrMastery).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Available);
        // Not tried yet: mastery alone makes it done.
        progress.latest_scores.clear();
        let path = build_path(&c, &progress, CompletionRule::ScoreOrMastery).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
        // Passed on a later attempt: done.
        progress.latest_scores.insert(1, 0.9);
        let path = build_path(&c, &progress, CompletionRule::ScoreOrMastery).expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
    }

    #[test]
    fn a_lesson_without_skills_falls_back_to_its_score_under_the_mastery_rule() {
        let c = with_questions(vec![lesson(1, &[])]);
        let path = build_path(&c, &scores(&[(1, 0.95)]), CompletionRule::SkillsMastered)
            .expect("no cycle");
        assert_eq!(path.steps[0].state, StepState::Done);
    }

    #[test]
    fn mastery_uses_the_current_threshold() {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1];
        let mut c = course(vec![l1], vec![skill(1, "a")], vec![]);
        let mut progress = scores(&[]);
        progress.mastery.insert(1, mastered(0.9));
        assert_eq!(
            build_path(&c, &progress, CompletionRule::SkillsMastered)
                .expect("ok")
                .steps[0]
                .state,
            StepState::Available
        );
        c.mastery_threshold = 0.85;
        assert_eq!(
            build_path(&c, &progress, CompletionRule::SkillsMastered)
                .expect("ok")
                .steps[0]
                .state,
            StepState::Done
        );
    }

    #[test]
    fn remediation_lessons_are_not_steps_but_still_prerequisites() {
        let mut detour = lesson(2, &[]);
        detour.kind = LessonKind::Remediation;
        let mut practice = lesson(3, &[1]);
        practice.kind = LessonKind::Practice;
        let c = with_questions(vec![lesson(1, &[]), detour, practice, lesson(4, &[2])]);
        let path =
            build_path(&c, &scores(&[(1, 1.0)]), CompletionRule::LatestScore).expect("no cycle");
        use StepState::*;
        assert_eq!(states(&path), vec![(1, Done), (3, Available), (4, Locked)]);
        let path = build_path(
            &c,
            &scores(&[(1, 1.0), (2, 1.0)]),
            CompletionRule::LatestScore,
        )
        .expect("no cycle");
        assert_eq!(
            states(&path),
            vec![(1, Done), (3, Available), (4, Available)]
        );
    }

    #[test]
    fn a_lesson_done_out_of_order_is_done() {
        let c = with_questions(vec![lesson(1, &[]), lesson(2, &[1])]);
        let path =
            build_path(&c, &scores(&[(2, 1.0)]), CompletionRule::LatestScore).expect("no cycle");
        use StepState::*;
        assert_eq!(states(&path), vec![(1, Available), (2, Done)]);
    }

    #[test]
    fn recompute_paths_after_a_content_change() {
        let mut c = with_questions(vec![lesson(1, &[]), lesson(2, &[1]), lesson(3, &[])]);
        let students = vec![scores(&[(1, 0.92)]), scores(&[])];
        let before = recompute_paths(&c, &students, CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(before[0].steps[1].state, StepState::Available);
        // The editor raises the advance threshold and makes lesson 3 require lesson 2.
        c.advance_threshold = 0.95;
        c.lessons[2].prerequisites = vec![2];
        let after = recompute_paths(&c, &students, CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(after.len(), 2);
        use StepState::*;
        assert_eq!(
            states(&after[0]),
            vec![(1, Available), (2, Locked), (3, Locked)]
        );
        assert_eq!(
            states(&after[1]),
            vec![(1, Available), (2, Locked), (3, Locked)]
        );
        c.lessons[0].prerequisites = vec![3];
        assert!(matches!(
            recompute_paths(&c, &students, CompletionRule::LatestScore),
            Err(PathError::Cycle { .. })
        ));
    }

    #[test]
    fn a_cycle_elsewhere_leaves_the_rest_of_the_path_as_it_was() {
        // 1 -> 2 -> 3 is sound; 4 <-> 5 is a cycle that needs 1; 6 needs the cycle's 5.
        let sound_part = vec![lesson(1, &[]), lesson(2, &[1]), lesson(3, &[2])];
        let mut lessons = sound_part.clone();
        lessons.extend([lesson(4, &[1, 5]), lesson(5, &[4]), lesson(6, &[5])]);
        let c = with_questions(lessons);
        let progress = scores(&[(1, 1.0)]);
        let path = usable_path(&c, &progress, CompletionRule::LatestScore);
        use StepState::*;
        assert_eq!(
            states(&path),
            vec![
                (1, Done),
                (2, Available),
                (3, Locked),
                (4, Available),
                (5, Available),
                (6, Locked)
            ]
        );
        assert_eq!(path.current_lesson, Some(2));
        let without_cycle = with_questions(sound_part);
        let sound =
            build_path(&without_cycle, &progress, CompletionRule::LatestScore).expect("no cycle");
        assert_eq!(
            states(&path)[..3],
            states(&sound)[..],
            "the sound part is untouched"
        );
        // Lesson 6 still waits for lesson 5, which is done once attempted well.
        let path = usable_path(
            &c,
            &scores(&[(1, 1.0), (5, 1.0)]),
            CompletionRule::LatestScore,
        );
        assert_eq!(path.state_of(6), Some(Available));
        assert_eq!(path.state_of(4), Some(Available), "4 no longer waits for 5");
    }

    #[test]
    fn lessons_of_a_cycle_keep_their_prerequisites_outside_it() {
        // 2 <-> 3, and 2 also needs 1.
        let c = with_questions(vec![lesson(1, &[]), lesson(2, &[1, 3]), lesson(3, &[2])]);
        use StepState::*;
        let path = usable_path(&c, &scores(&[]), CompletionRule::LatestScore);
        assert_eq!(
            states(&path),
            vec![(1, Available), (2, Locked), (3, Available)]
        );
        let path = usable_path(&c, &scores(&[(1, 1.0)]), CompletionRule::LatestScore);
        assert_eq!(
            states(&path),
            vec![(1, Done), (2, Available), (3, Available)]
        );
    }

    #[test]
    fn the_lessons_of_a_cycle_come_in_course_order() {
        let mut later = lesson(1, &[2]);
        later.module_sort = 2;
        let c = with_questions(vec![later, lesson(2, &[1]), lesson(3, &[])]);
        let path = usable_path(&c, &scores(&[]), CompletionRule::LatestScore);
        assert_eq!(
            path.steps.iter().map(|s| s.lesson).collect::<Vec<_>>(),
            vec![2, 3, 1],
            "module 1 (lessons 2, 3) before module 2 (lesson 1)"
        );
    }

    #[test]
    fn a_lesson_requiring_itself_is_available() {
        let c = with_questions(vec![lesson(1, &[]), lesson(2, &[2, 1])]);
        let path = usable_path(&c, &scores(&[(1, 1.0)]), CompletionRule::LatestScore);
        assert_eq!(path.state_of(2), Some(StepState::Available));
        assert_eq!(
            prerequisite_problems(&c),
            vec![PathError::Cycle {
                lessons: vec![2],
                titles: vec!["Lesson 2".into()]
            }]
        );
    }

    #[test]
    fn every_prerequisite_problem_is_listed_once() {
        let c = with_questions(vec![
            lesson(1, &[2, 99, 99]),
            lesson(2, &[1]),
            lesson(3, &[4]),
            lesson(4, &[5]),
            lesson(5, &[3]),
            lesson(6, &[]),
            lesson(6, &[1]),
        ]);
        let problems: Vec<String> = prerequisite_problems(&c)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "lesson 6 appears more than once in the course",
                "lesson 1 (Lesson 1) has prerequisite 99, which is not a lesson of this course",
                "prerequisite cycle: \"Lesson 1\" (1) requires \"Lesson 2\" (2) requires \"Lesson 1\" (1)",
                "prerequisite cycle: \"Lesson 3\" (3) requires \"Lesson 4\" (4) requires \"Lesson 5\" (5) requires \"Lesson 3\" (3)",
            ]
        );
        let path = usable_path(&c, &scores(&[]), CompletionRule::LatestScore);
        assert_eq!(
            path.steps.iter().map(|s| s.lesson).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6],
            "each lesson once, the unknown prerequisite ignored"
        );
        assert!(path.steps.iter().all(|s| s.state == StepState::Available));
    }

    #[test]
    fn a_sound_course_has_no_prerequisite_problem_and_the_same_path_either_way() {
        let c = with_questions(vec![lesson(3, &[2]), lesson(1, &[]), lesson(2, &[1])]);
        assert!(prerequisite_problems(&c).is_empty());
        let progress = scores(&[(1, 0.95)]);
        assert_eq!(
            usable_path(&c, &progress, CompletionRule::LatestScore),
            build_path(&c, &progress, CompletionRule::LatestScore).expect("no cycle")
        );
        assert_eq!(
            recompute_usable_paths(
                &c,
                std::slice::from_ref(&progress),
                CompletionRule::LatestScore
            ),
            recompute_paths(&c, &[progress], CompletionRule::LatestScore).expect("no cycle")
        );
    }

    #[test]
    fn recompute_usable_paths_goes_on_through_a_cycle() {
        let c = with_questions(vec![lesson(1, &[3]), lesson(2, &[1]), lesson(3, &[2])]);
        let students = vec![scores(&[(1, 1.0)]), scores(&[])];
        let paths = recompute_usable_paths(&c, &students, CompletionRule::LatestScore);
        use StepState::*;
        assert_eq!(
            states(&paths[0]),
            vec![(1, Done), (2, Available), (3, Available)]
        );
        assert_eq!(
            states(&paths[1]),
            vec![(1, Available), (2, Available), (3, Available)]
        );
    }

    #[test]
    fn the_honoured_course_lists_only_the_prerequisites_kept() {
        let c = with_questions(vec![
            lesson(1, &[]),
            lesson(2, &[1, 3, 42]),
            lesson(3, &[2]),
        ]);
        let (graph, problems) = LessonGraph::build_usable(&c);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let honoured = graph.honoured_course(&c);
        assert_eq!(
            honoured
                .lessons
                .iter()
                .map(|l| l.prerequisites.clone())
                .collect::<Vec<_>>(),
            vec![vec![], vec![1], vec![]]
        );
    }

    #[test]
    fn a_usable_course_is_only_made_for_a_broken_one_and_is_sound() {
        let sound = with_questions(vec![lesson(1, &[]), lesson(2, &[1])]);
        assert_eq!(usable_course(&sound), None);
        let broken = with_questions(vec![lesson(1, &[2]), lesson(2, &[1]), lesson(3, &[2, 9])]);
        let usable = usable_course(&broken).expect("a copy");
        assert!(prerequisite_problems(&usable).is_empty());
        assert_eq!(
            usable
                .lessons
                .iter()
                .map(|l| l.prerequisites.clone())
                .collect::<Vec<_>>(),
            vec![vec![], vec![], vec![2]]
        );
        let progress = scores(&[(2, 1.0)]);
        assert_eq!(
            build_path(&usable, &progress, CompletionRule::LatestScore).expect("sound"),
            usable_path(&broken, &progress, CompletionRule::LatestScore),
            "the same path either way"
        );
    }

    #[test]
    fn a_long_chain_closed_into_a_cycle_does_not_overflow_the_stack() {
        let n = 20_000;
        let lessons: Vec<Lesson> = (1..=n)
            .map(|id| lesson(id, &[if id == 1 { n } else { id - 1 }]))
            .collect();
        let c = course(lessons, vec![], vec![]);
        let problems = prerequisite_problems(&c);
        assert!(
            matches!(&problems[..], [PathError::Cycle { lessons, .. }] if lessons.len() == n as usize)
        );
        let path = usable_path(&c, &scores(&[]), CompletionRule::LatestScore);
        assert_eq!(path.steps.len(), n as usize);
        assert!(path.steps.iter().all(|s| s.state == StepState::Available));
    }

    #[test]
    fn steps_serialize_in_the_directus_shape() {
        let step = PathStep {
            lesson: 3,
            state: StepState::Done,
        };
        assert_eq!(
            serde_json::to_value(step).expect("serializes"),
            serde_json::json!({"lesson": 3, "state": "done"})
        );
    }
}
