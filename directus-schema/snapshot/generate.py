#!/usr/bin/env python3
"""Generates directus-snapshot.yaml, Pathwise's Directus schema, from the declarations below.

How to run it (Python 3 standard library only), against a FRESH, empty Directus 11.17.4 on
SQLite (a new DB_FILENAME, `directus bootstrap`, `directus start`):

    python3 directus-schema/snapshot/generate.py http://127.0.0.1:18055 ADMIN_TOKEN [OUT]
    # or: DIRECTUS_URL=... DIRECTUS_TOKEN=... python3 directus-schema/snapshot/generate.py

It creates every collection, field and relation of docs/data-model.md through the REST API
(POST /collections, POST /fields/<collection>, POST /relations), downloads
GET /schema/snapshot?export=yaml into OUT (default: directus-snapshot.yaml at the top of the
repository), then posts that file back to /schema/diff and insists on 204 (no changes).
It refuses an instance that already has Pathwise collections.

The YAML is the source of truth: `pathwise provision` applies it (POST /schema/diff, then
/schema/apply). Editors may also change the schema in the Directus admin UI and re-export it
with GET /schema/snapshot?export=yaml; if you do, port the change here too, so that the next
run of this script does not undo it. docs/data-model.md explains every collection: the
collection and field names are a public contract (frontends, GraphQL clients, the worker).

Directus facts this script relies on (verified on 11.17.4, SQLite):
- A json field created without `meta` fails POST /collections ("collection"/"field" is
  required): every field here has a meta, and json fields have special ["cast-json"].
- Foreign keys (and their ON DELETE rule) come from POST /relations with schema.on_delete,
  after the field exists; alias fields (o2m, m2m) may be created before their relations.
- A field whose relation is ON DELETE SET NULL must stay nullable in the database, even
  when the app requires it (meta.required only checks what the app and API receive).
- meta.validation also runs on an explicit null ("Value is required"), which the app sends
  when an editor clears a field: rules on optional fields accept null (see `optional`).
- On SQLite, Directus turns PRAGMA foreign_keys on for every connection, so the ON DELETE
  rules are enforced by the database: deleting a user deletes their learner records.
- SQLite has no uuid type: `student` columns are char(36) and the snapshot says
  `type: string` for them. The snapshot is SQLite's (`vendor: sqlite`); applying it to
  PostgreSQL needs /schema/diff?force=true, and re-diffing it there is not empty.
"""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ---- colors (Directus' own palette, so the admin UI looks native) ----------------------------

PURPLE, BLUE, GREEN, ORANGE, RED, GREY = "#6644FF", "#3399FF", "#2ECDA7", "#FFA439", "#E35169", "#A2B5CD"


# ---- field builders ----------------------------------------------------------------------------

def field(name, type_, interface, *, note=None, required=False, nullable=None, default=None, unique=False,
          width="full", options=None, display=None, display_options=None, readonly=False, hidden=False,
          special=None, validation=None, validation_message=None):
    """One field. The database column is NOT NULL when the field is required, unless
    `nullable` says otherwise (columns behind ON DELETE SET NULL)."""
    meta = {"interface": interface, "options": options, "display": display, "display_options": display_options,
            "note": note, "required": required, "readonly": readonly, "hidden": hidden, "width": width,
            "special": special, "validation": validation, "validation_message": validation_message}
    schema = {"default_value": default, "is_unique": unique,
              "is_nullable": (not required) if nullable is None else nullable}
    return {"field": name, "type": type_, "meta": meta, "schema": schema}


def optional(name, rule):
    """A validation rule that also lets the field be cleared: Directus checks a rule against
    an explicit null too ("Value is required"), and the app sends null when an editor
    empties a field."""
    return {"_or": [{name: {"_null": True}}, {name: rule}]}


def counter(name, **kw):
    """A worker-maintained integer that starts at 0 and is never null."""
    return integer(name, default=0, nullable=False, readonly=True, width="half", **kw)


def primary_key():
    return {"field": "id", "type": "integer",
            "meta": {"interface": "input", "readonly": True, "hidden": True, "sort": 1},
            "schema": {"is_primary_key": True, "has_auto_increment": True}}


def string(name, *, placeholder=None, interface="input", options=None, **kw):
    options = dict(options or {})
    if placeholder:
        options["placeholder"] = placeholder
    return field(name, "string", interface, options=options or None, **kw)


def text(name, *, placeholder=None, interface="input-multiline", **kw):
    return field(name, "text", interface, options={"placeholder": placeholder} if placeholder else None, **kw)


def integer(name, *, minimum=None, placeholder=None, **kw):
    options = {k: v for k, v in (("min", minimum), ("placeholder", placeholder)) if v is not None}
    return field(name, "integer", "input", options=options or None, **kw)


def number(name, *, minimum=None, maximum=None, **kw):
    """A float shown as a plain number input."""
    options = {k: v for k, v in (("min", minimum), ("max", maximum)) if v is not None}
    return field(name, "float", "input", options=options or None, display="formatted-value",
                 display_options={"format": True}, **kw)


def unit_interval(name, *, strict=False, **kw):
    """A float in [0, 1] (or (0, 1) when strict), edited with a 0.01-step slider."""
    if strict:
        validation = {"_and": [{name: {"_gt": 0}}, {name: {"_lt": 1}}]}
        message = "Must be strictly between 0 and 1 (e.g. 0.2)."
    else:
        validation = {name: {"_between": [0, 1]}}
        message = "Must be between 0 and 1 (e.g. 0.9 for 90%)."
    return field(name, "float", "slider", options={"minValue": 0, "maxValue": 1, "stepInterval": 0.01},
                 display="formatted-value", display_options={"format": True},
                 validation=None if kw.get("readonly") else validation,
                 validation_message=None if kw.get("readonly") else message, **kw)


def boolean(name, *, default=False, label=None, **kw):
    return field(name, "boolean", "boolean", default=default, special=["cast-boolean"],
                 options={"label": label} if label else None, display="boolean", **kw)


def timestamp(name, **kw):
    return field(name, "timestamp", "datetime", display="datetime", display_options={"relative": True}, **kw)


def json_code(name, *, template=None, **kw):
    """A json column edited as JSON source; `template` pre-fills an empty editor."""
    options = {"language": "JSON", "lineNumber": True}
    if template:
        options["template"] = template
    return field(name, "json", "input-code", special=["cast-json"], options=options, **kw)


def date_created():
    return field("date_created", "timestamp", "datetime", special=["date-created"], readonly=True, width="half",
                 display="datetime", display_options={"relative": True}, note="Set by Directus on creation.")


def date_updated():
    return field("date_updated", "timestamp", "datetime", special=["date-updated"], readonly=True, width="half",
                 display="datetime", display_options={"relative": True}, note="Set by Directus on every change.")


def sort():
    return field("sort", "integer", "input", hidden=True, note="Order; drag rows in the list to change it.")


def label(value):
    return value.replace("_", " ").capitalize()


def enum(name, choices, *, default=None, required=True, width="half", **kw):
    """A string restricted to `choices` (value -> color): a dropdown, shown as colored labels."""
    return string(name, interface="select-dropdown", default=default, required=required, width=width,
                  options={"choices": [{"text": label(v), "value": v} for v in choices]},
                  display="labels",
                  display_options={"showAsDot": False, "choices": [
                      {"text": label(v), "value": v, "foreground": "#FFFFFF", "background": c}
                      for v, c in choices.items()]},
                  **kw)


STATUS = {"draft": GREY, "published": GREEN, "archived": ORANGE}


def m2o(name, template, *, user=False, width="half", **kw):
    """A many-to-one field; its relation (and foreign key) is declared in RELATIONS."""
    options = {"template": template}
    if not user:
        options["enableCreate"] = False
    declared = field(name, "uuid" if user else "integer", "select-dropdown-m2o", special=["m2o"], options=options,
                     display="related-values", display_options={"template": template}, width=width, **kw)
    # Neither SQLite nor PostgreSQL indexes a foreign key by itself. Without an index every
    # "this student's records" filter (the worker's reads, a student's own reads, the
    # permission filters) and every cascade of an erasure scans the whole table.
    declared["schema"]["is_indexed"] = not declared["schema"]["is_unique"]
    return declared


USER_TEMPLATE = "{{first_name}} {{last_name}} ({{email}})"


def student(**kw):
    kw.setdefault("note", "The learner: a Directus user. Deleting the user deletes this record.")
    return m2o("student", USER_TEMPLATE, user=True, required=True, **kw)


def o2m(name, template, note, *, enable_select=False):
    return {"field": name, "type": "alias",
            "meta": {"special": ["o2m"], "interface": "list-o2m", "note": note, "width": "full",
                     "options": {"template": template, "enableCreate": True, "enableSelect": enable_select},
                     "display": "related-values", "display_options": {"template": template}}}


def m2m(name, template, note):
    return {"field": name, "type": "alias",
            "meta": {"special": ["m2m"], "interface": "list-m2m", "note": note, "width": "full",
                     "options": {"template": template, "enableCreate": False, "enableSelect": True},
                     "display": "related-values", "display_options": {"template": template}}}


def slug(placeholder):
    return string("slug", required=True, unique=True, width="half", placeholder=placeholder,
                  options={"slug": True, "trim": True},
                  note="Used in URLs: lowercase words joined by dashes. Unique.",
                  validation={"slug": {"_regex": "^[a-z0-9]+(?:-[a-z0-9]+)*$"}},
                  validation_message="Lowercase letters and digits, words joined by single dashes (e.g. fractions-1).")


# ---- collections -------------------------------------------------------------------------------

FOLDERS = [
    {"collection": "content", "icon": "menu_book", "sort": 1, "color": PURPLE,
     "note": "What editors author: subjects, courses, modules, lessons, skills, questions."},
    {"collection": "learner_records", "icon": "insights", "sort": 2, "color": BLUE,
     "note": "What students submit and what Pathwise computes from it. Written by the worker."},
    {"collection": "teaching", "icon": "groups", "sort": 3, "color": GREEN,
     "note": "Cohorts: which teachers follow which students."},
    {"collection": "analytics", "icon": "query_stats", "sort": 4, "color": ORANGE,
     "note": "What the nightly analysis found: course insights, model accuracy, A/B reports."},
]


def collection(name, singular, icon, note, fields, *, group, sort_order, template, color=None, hidden=False,
               sortable=False, archivable=False, accountability="all"):
    """`accountability`: "all" (activity and revisions), "activity" or None. Content keeps
    "all" so editors see who changed what. Records the worker recomputes on every attempt
    keep none: an activity and a revision row per written item cost Directus about 20 ms
    of CPU per graded attempt (measured, BENCHMARKS.md), and revisions would keep copies of
    a student's records after their erasure. Attempts keep their activity (who submitted,
    when the worker graded) without revisions, for the same reasons."""
    meta = {"icon": icon, "note": note, "color": color, "display_template": template, "group": group,
            "sort": sort_order, "hidden": hidden, "collapse": "open", "accountability": accountability,
            "sort_field": "sort" if sortable else None,
            "translations": [{"language": "en-US", "translation": label(name), "singular": singular,
                              "plural": label(name)}]}
    for position, f in enumerate(fields, start=2):  # the form shows fields in this order; id is 1
        f["meta"]["sort"] = position
    if archivable:
        meta.update({"archive_field": "status", "archive_value": "archived", "unarchive_value": "draft",
                     "archive_app_filter": True})
    return {"collection": name, "meta": meta, "schema": {"name": name}, "fields": [primary_key()] + fields}


COLLECTIONS = [
    # -- content --
    collection("subjects", "Subject", "category", "Broad areas of study (e.g. Mathematics) that group courses.", [
        string("name", required=True, width="half", placeholder="e.g. Mathematics"),
        slug("e.g. mathematics"),
        text("description", placeholder="What this subject covers"),
        string("icon", interface="select-icon", width="half", display="icon",
               note="A Material icon shown next to the subject in frontends."),
        sort(),
    ], group="content", sort_order=1, template="{{name}}", sortable=True),

    collection("courses", "Course", "school",
               "A course: ordered modules of lessons, the skills it teaches, and the score thresholds "
               "that drive recommendations.", [
        enum("status", STATUS, default="draft", note="Students see published courses only."),
        sort(),
        string("title", required=True, placeholder="e.g. Fractions"),
        slug("e.g. fractions"),
        m2o("subject", "{{name}}", note="Clearing the subject (or deleting it) keeps the course."),
        text("summary", placeholder="One or two sentences shown to students"),
        unit_interval("advance_threshold", default=0.9, width="half", required=True,
                      note="Attempt score at or above which the student advances to the next lesson."),
        unit_interval("remediate_threshold", default=0.7, width="half", required=True,
                      note="Attempt score below which the student gets remediation plus practice; "
                           "between the two thresholds, targeted practice."),
        unit_interval("mastery_threshold", default=0.95, width="half", required=True,
                      note="Probability known (BKT) at or above which a skill counts as mastered."),
        integer("nudge_after_days", minimum=1, default=3, width="half", required=True,
                note="Days without activity after which a student of this course gets a reminder "
                     "(at most one a week, in their morning)."),
        o2m("modules", "{{title}}", "The course's modules; drag to reorder."),
        o2m("skills", "{{name}}", "The knowledge components this course teaches, with their BKT parameters."),
        date_created(), date_updated(),
    ], group="content", sort_order=2, template="{{title}}", color=PURPLE, sortable=True, archivable=True),

    collection("modules", "Module", "view_module", "An ordered part of a course: a group of lessons.", [
        m2o("course", "{{title}}", required=True, note="Deleting the course deletes its modules."),
        sort(),
        string("title", required=True, width="half", placeholder="e.g. Equivalent fractions"),
        text("summary", placeholder="What the module covers"),
        o2m("lessons", "{{title}} ({{kind}}, {{status}})", "The module's lessons; drag to reorder."),
    ], group="content", sort_order=3, template="{{title}}", sortable=True),

    collection("lessons", "Lesson", "article",
               "A lesson, remediation lesson or practice set in a module; its questions assess skills.", [
        enum("status", STATUS, default="draft", note="Students see published lessons of published courses."),
        m2o("module", "{{title}}", required=True, note="Deleting the module deletes its lessons."),
        sort(),
        string("title", required=True, width="half", placeholder="e.g. Comparing fractions"),
        enum("kind", {"lesson": PURPLE, "remediation": RED, "practice": ORANGE}, default="lesson",
             note="Remediation lessons are recommended to students who score below the course's "
                  "remediate threshold; practice sets hold extra questions."),
        text("body", interface="input-rich-text-md", note="The lesson itself, in Markdown."),
        string("video_url", width="half", placeholder="https://…", note="Optional video to watch with the lesson.",
               validation=optional("video_url", {"_regex": "^https?://\\S+$"}),
               validation_message="Must be an http(s) URL."),
        integer("estimated_minutes", width="half", minimum=1, placeholder="e.g. 10",
                note="Expected time to complete; the worker judges an attempt's speed against it.",
                validation=optional("estimated_minutes", {"_gt": 0}),
                validation_message="Must be a positive number of minutes."),
        m2m("skills", "{{skill.name}}", "The skills this lesson teaches."),
        m2m("prerequisites", "{{prerequisite.title}}",
            "Lessons a student must finish before this one. Cycles are rejected by the worker."),
        o2m("questions", "{{type}}: {{prompt}}", "The questions that assess this lesson; drag to reorder."),
        date_created(), date_updated(),
    ], group="content", sort_order=4, template="{{title}}", color=GREEN, sortable=True, archivable=True),

    collection("skills", "Skill", "psychology",
               "A knowledge component of a course, with its Bayesian Knowledge Tracing (BKT) parameters.", [
        m2o("course", "{{title}}", required=True, note="Deleting the course deletes its skills."),
        sort(),
        string("name", required=True, width="half", placeholder="e.g. Equivalent fractions"),
        text("description"),
        unit_interval("p_init", strict=True, default=0.2, width="half", required=True,
                      note="Probability the student knows the skill before any practice."),
        unit_interval("p_learn", strict=True, default=0.15, width="half", required=True,
                      note="Probability of learning the skill at each practice opportunity."),
        unit_interval("p_guess", strict=True, default=0.2, width="half", required=True,
                      note="Probability of a correct answer without knowing the skill."),
        unit_interval("p_slip", strict=True, default=0.1, width="half", required=True,
                      note="Probability of a wrong answer despite knowing the skill."),
    ], group="content", sort_order=5, template="{{name}}", color=ORANGE, sortable=True),

    collection("questions", "Question", "quiz",
               "A question of a lesson, assessing one or more skills. Its choices and answer key depend on "
               "its type (docs/answer-keys.md).", [
        enum("status", STATUS, default="published", note="Students see published questions of published lessons."),
        m2o("lesson", "{{title}}", required=True, note="Deleting the lesson deletes its questions."),
        sort(),
        enum("type", {"single_choice": PURPLE, "multiple_choice": PURPLE, "true_false": BLUE, "numeric": GREEN,
                      "fraction": GREEN, "short_text": ORANGE, "ordering": GREY},
             note="Decides the format of choices and answer key."),
        text("prompt", required=True, placeholder="e.g. Which fraction equals 2/4?"),
        json_code("choices", template='[\n  {"id": "a", "text": ""},\n  {"id": "b", "text": ""}\n]',
                  note='JSON, for choice and ordering types: [{"id": "a", "text": "1/2"}, ...]; '
                       "empty for other types."),
        json_code("answer_key", required=True,
                  note="JSON; format per question type: see docs/answer-keys.md. Never shown to students."),
        number("points", default=1, width="half", minimum=0, required=True,
               note="Weight of this question in the attempt's score.",
               validation={"points": {"_gt": 0}}, validation_message="Points must be greater than 0."),
        text("explanation", note="Shown to the student after answering, right or wrong."),
        m2m("skills", "{{skill.name}}", "The skills this question assesses (mastery is updated for each)."),
    ], group="content", sort_order=6, template="{{prompt}}", color=BLUE, sortable=True, archivable=True),

    collection("lesson_skills", "Lesson skill", "link", "Junction: which skills a lesson teaches.", [
        m2o("lesson", "{{title}}", required=True),
        m2o("skill", "{{name}}", required=True),
    ], group="content", sort_order=7, template="{{lesson.title}} → {{skill.name}}", hidden=True),

    collection("lesson_prerequisites", "Lesson prerequisite", "account_tree",
               "Junction: `lesson` needs `prerequisite` first.", [
        m2o("lesson", "{{title}}", required=True, note="The lesson that has the prerequisite."),
        m2o("prerequisite", "{{title}}", required=True, note="The lesson to finish first."),
    ], group="content", sort_order=8, template="{{lesson.title}} needs {{prerequisite.title}}", hidden=True),

    collection("question_skills", "Question skill", "link", "Junction: which skills a question assesses.", [
        m2o("question", "{{prompt}}", required=True),
        m2o("skill", "{{name}}", required=True),
    ], group="content", sort_order=9, template="{{question.prompt}} → {{skill.name}}", hidden=True),

    # Written by the worker when content stops an attempt from being graded, one row per
    # problem (its `key`), so editors are told once, not once per attempt. Editors only
    # change `status`. It keeps activity and revisions: who resolved an issue, and when.
    collection("content_issues", "Content issue", "report_problem",
               "Problems in the content that stop attempts from being graded, found by the Pathwise worker. "
               "Fix the item named here, then mark the issue resolved.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='What the problem is about, e.g. "questions:57:answer_key" or "cycle:3,4": one issue per '
                    "problem, however many attempts it stopped."),
        enum("status", {"open": RED, "resolved": GREEN}, default="open",
             note="Mark it resolved once the item is fixed."),
        m2o("course", "{{title}}", readonly=True,
            note="The course whose grading it affects. Deleting the course deletes its issues."),
        string("collection", readonly=True, width="half",
               note="Where the broken item is: courses, skills, lessons or questions."),
        string("item", readonly=True, width="half", note="The id of the broken item."),
        string("field", readonly=True, width="half", note="The field to fix, if the problem is in one field."),
        text("problem", readonly=True, note="What is wrong, in words an editor can act on."),
        date_created(), date_updated(),
    ], group="content", sort_order=10, template="{{problem}}", color=RED),

    # -- learner records --
    collection("attempts", "Attempt", "assignment_turned_in",
               "A student's answers to a lesson's questions. Students create them; the worker grades them.", [
        student(),
        m2o("lesson", "{{title}}", required=True, nullable=True,
            note="Cleared if the lesson is deleted; the attempt is kept."),
        json_code("answers", required=True, note='JSON: {"<question id>": answer}, as the student gave them.'),
        timestamp("started_at", width="half", note="When the student started the lesson's questions."),
        timestamp("submitted_at", width="half", note="When the student submitted."),
        enum("status", {"submitted": BLUE, "graded": GREEN, "rejected": RED}, default="submitted", readonly=True,
             note="Set by the worker: submitted → graded, or rejected with a reason."),
        text("rejection_reason", readonly=True, note="Why the attempt could not be graded (shown to the student)."),
        unit_interval("score", readonly=True, width="half", note="Points earned / points possible (0..1)."),
        number("points_earned", readonly=True, width="half"),
        number("points_possible", readonly=True, width="half"),
        json_code("results", readonly=True, note="JSON: per-question results with feedback, written by the worker."),
        number("duration_seconds", readonly=True, width="half", note="Time between started_at and submitted_at."),
        string("speed_flag", readonly=True, width="half",
               note="Set by the worker when the timing is implausible for the lesson's estimated minutes."),
        timestamp("graded_at", readonly=True, width="half"),
        date_created(),
        json_code("correct_questions", readonly=True, hidden=True,
                  note="JSON: the ids of the questions answered correctly, written by the worker; the next "
                       "gradings read this instead of the whole results."),
    ], group="learner_records", sort_order=1, template="{{student.email}} · {{lesson.title}} · {{status}}",
       accountability="activity",
        color=BLUE),

    collection("student_profiles", "Student profile", "badge",
               "One per student: time zone, XP and streaks. Written by the worker.", [
        student(unique=True, readonly=True),
        string("time_zone", width="half", placeholder="e.g. Europe/Paris",
               note="IANA time zone name; the daily streak counts days in it (UTC when empty)."),
        counter("xp", note="Experience points."),
        counter("streak_days", note="Consecutive active days, up to today."),
        counter("longest_streak", note="The longest streak so far, in days."),
        timestamp("last_active_at", readonly=True, width="half"),
        string("strategy", readonly=True, width="half",
               note="Recommendation strategy assigned to the student (A/B comparisons)."),
        json_code("applied_attempts", readonly=True, hidden=True,
                  note="Ids of the attempts already counted in XP and streak, so a retry counts nothing twice."),
        date_created(), date_updated(),
        counter("version", hidden=True,
                note="Bumped by every graded attempt; an outcome computed from an older version is refused "
                     "(no lost update across worker replicas)."),
        boolean("nudges", default=True, nullable=False, width="half", label="Inactivity reminders",
                note="A reminder after a few days without practice (the student may turn it off)."),
        boolean("digests", default=True, nullable=False, width="half", label="Daily review list",
                note="One message a day listing the reviews due (the student may turn it off)."),
        boolean("in_app_messages", default=True, nullable=False, width="half", label="In the app",
                note="Messages arrive as Directus notifications. Email follows the user's own "
                     "'Email notifications' setting."),
    ], group="learner_records", sort_order=2, template="{{student.email}}",
       accountability=None),

    collection("mastery", "Mastery", "trending_up",
               "One per student and skill: probability known (BKT) and review schedule (FSRS). "
               "Written by the worker.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='"<student>:<skill>": one row per student and skill.'),
        student(readonly=True),
        m2o("skill", "{{name}}", required=True, readonly=True),
        unit_interval("p_known", readonly=True, width="half", note="Probability the student knows the skill."),
        boolean("mastered", readonly=True, width="half", nullable=False,
                note="p_known reached the course's mastery threshold."),
        counter("observations", note="Answers counted for this skill."),
        counter("correct", note="Of which correct."),
        number("stability", readonly=True, width="half", note="FSRS stability, in days."),
        number("difficulty", readonly=True, width="half", note="FSRS difficulty (1..10)."),
        timestamp("due_at", readonly=True, width="half", note="When a review is due."),
        timestamp("last_review_at", readonly=True, width="half"),
        json_code("applied_attempts", readonly=True, hidden=True,
                  note="Ids of the attempts already counted here, so a retry counts nothing twice."),
        date_updated(),
    ], group="learner_records", sort_order=3, template="{{student.email}} · {{skill.name}}",
       accountability=None),

    collection("learning_paths", "Learning path", "route",
               "One per student and course: its lessons in prerequisite order with their state. "
               "Written by the worker.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='"<student>:<course>": one row per student and course.'),
        student(readonly=True),
        m2o("course", "{{title}}", required=True, readonly=True),
        json_code("steps", readonly=True,
                  note='JSON: [{"lesson": id, "state": "done" | "available" | "locked"}], in prerequisite order.'),
        m2o("current_lesson", "{{title}}", readonly=True),
        unit_interval("progress", default=0, nullable=False, readonly=True, width="half", note="Share of lessons done (0..1)."),
        date_updated(),
    ], group="learner_records", sort_order=4, template="{{student.email}} · {{course.title}}",
       accountability=None),

    collection("recommendations", "Recommendation", "recommend",
               "What a student should do next, and why. Written by the worker; students complete or dismiss them.", [
        string("key", unique=True, readonly=True, hidden=True,
               note='"<attempt>:<n>" (or "<student>:review:<skill>:<day>"): a retried write cannot duplicate it.'),
        student(readonly=True),
        m2o("course", "{{title}}", required=True, readonly=True),
        m2o("attempt", "#{{id}} · {{status}}", readonly=True, note="The attempt that caused it."),
        enum("kind", {"advance": GREEN, "remediate": RED, "practice": ORANGE, "review": BLUE}, readonly=True),
        m2o("lesson", "{{title}}", readonly=True, note="The lesson to take, if any."),
        m2o("skill", "{{name}}", readonly=True, note="The skill concerned, if any."),
        json_code("questions", readonly=True, note="JSON: ids of the practice questions to answer."),
        text("reason", readonly=True, note="Why, in words the student reads."),
        counter("priority", note="Higher comes first."),
        string("strategy", readonly=True, width="half", note="The strategy that produced it."),
        enum("status", {"active": BLUE, "completed": GREEN, "dismissed": GREY, "superseded": ORANGE},
             default="active", note="The worker supersedes active recommendations when it writes new ones."),
        date_created(), date_updated(),
    ], group="learner_records", sort_order=5, template="{{student.email}} · {{kind}} · {{lesson.title}}",
       accountability=None),

    collection("dead_letters", "Dead letter", "report",
               "Events the worker could not process, with the reason. Tick resolved once handled.", [
        string("source", readonly=True, width="half", note="What delivered it, e.g. flow or sweep."),
        integer("attempt_id", readonly=True, width="half",
                note="The attempt concerned, if any. No relation: the attempt may be gone."),
        text("reason", readonly=True),
        json_code("event", readonly=True, note="JSON: the payload as received."),
        boolean("resolved", label="Handled", nullable=False, note="Tick once the event has been dealt with."),
        date_created(),
    ], group="learner_records", sort_order=6, template="{{source}} · {{reason}}", color=RED),

    # Written by the worker's scheduled job and its grading: every message sent, once per
    # period (its key), and every badge, once per student. Students read their own; a
    # teacher those of their cohorts' students.
    collection("messages", "Message", "mail",
               "Every reminder, review list and badge message sent to a student: who, what, when and why.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='"nudge:<student>:<ISO week>", "digest:<student>:<date>" or "badge:<student>:<badge>": '
                    "a message is sent once per period, however often the job runs."),
        student(readonly=True),
        enum("kind", {"nudge": ORANGE, "digest": BLUE, "badge": GREEN}, readonly=True),
        string("subject", readonly=True),
        text("body", readonly=True, note="Markdown, as in the notification."),
        text("reason", readonly=True, note="Why it was sent."),
        boolean("in_app", readonly=True, nullable=False, width="half", label="Sent in the app"),
        boolean("email", readonly=True, nullable=False, width="half", label="Sent by email"),
        timestamp("sent_at", readonly=True, width="half",
                  note="The time of the job run that sent it (its clock, which tests move)."),
        date_created(),
    ], group="learner_records", sort_order=7, template="{{kind}} · {{subject}}", accountability=None,
       color=ORANGE),

    collection("badges", "Badge", "military_tech", "Badges students earned, each once.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='"<student>:<badge>", e.g. "…:streak_7": a badge is awarded once.'),
        student(readonly=True),
        string("badge", readonly=True, width="half",
               note="first_lesson, streak_7, skill_mastered:<skill> or course_completed:<course>."),
        string("title", readonly=True, width="half"),
        text("description", readonly=True),
        date_created(),
    ], group="learner_records", sort_order=8, template="{{title}}", accountability=None, color=GREEN),

    collection("job_runs", "Job run", "schedule",
               "Each scheduled job once per period: a tick delivered twice, or seen by two workers, runs once.", [
        string("key", required=True, unique=True, readonly=True, width="half",
               note='"<job>:<period>", e.g. "engagement:2026-12-05T09".'),
        string("job", readonly=True, width="half"),
        string("period", readonly=True, width="half"),
        enum("status", {"running": BLUE, "done": GREEN, "failed": RED}, default="running", readonly=True),
        json_code("summary", readonly=True, note="What the run did: messages sent and suppressed, by kind and reason."),
        date_created(), date_updated(),
    ], group="learner_records", sort_order=9, template="{{key}} · {{status}}", accountability=None, hidden=True),

    # -- analytics --
    # Written by the nightly job (docs/analytics.md), one row per course (or experiment) per
    # day; dashboards and editors read them.
    collection("course_insights", "Course insight", "query_stats",
               "One row per course per day, from the nightly analysis: how lessons and skills go, who is "
               "inactive, which cohorts struggle, and how well the mastery model predicts answers.", [
        string("key", required=True, unique=True, readonly=True, hidden=True,
               note='"<course>:<day>": the nightly job writes one row per course and day, however often it runs.'),
        m2o("course", "{{title}}", required=True, readonly=True),
        string("day", readonly=True, width="half", note="The UTC day analysed (YYYY-MM-DD)."),
        counter("students", note="Students with an attempt or a mastery row in the course."),
        number("pass_rate", readonly=True, width="half", note="Share of graded attempts that passed."),
        number("mean_mastery", readonly=True, width="half", note="Mean probability known over the course's skills."),
        counter("struggling_students", note="Students struggling on at least one skill."),
        counter("inactive_students", note="Students without activity for 7 days or more."),
        counter("struggling_cohorts", note="Cohorts whose teachers were told that they struggle."),
        number("bkt_log_loss", readonly=True, width="half",
               note="How well BKT predicted the answers (lower is better); see model_accuracy in insights."),
        number("item_baseline_log_loss", readonly=True, width="half",
               note="The same for a per-item running mean: BKT should do better."),
        boolean("model_warning", readonly=True, nullable=False, width="half", label="BKT worse than the baseline",
                note="Set when BKT predicts answers worse than each question's running mean."),
        json_code("insights", readonly=True, note="JSON: per lesson, per skill, per cohort, inactive students."),
        json_code("model_accuracy", readonly=True,
                  note="JSON: log loss, AUC and calibration of BKT, the per-item and the overall mean, per skill."),
        json_code("review_fit", readonly=True,
                  note="JSON: the FSRS parameters fitted on the course's reviews, with log loss before and after."),
        date_created(),
    ], group="analytics", sort_order=1, template="{{course.title}} · {{day}}", accountability=None, color=ORANGE),

    collection("experiment_reports", "Experiment report", "science",
               "One row per experiment per day: the recommendation strategies compared on real outcomes, "
               "with 95% confidence intervals. The same report as `pathwise report ab` and GET /v1/reports/ab.", [
        string("key", required=True, unique=True, readonly=True, hidden=True,
               note='"<experiment>:<day>": one report per experiment and day.'),
        string("experiment", readonly=True, width="half"),
        string("day", readonly=True, width="half", note="The UTC day of the report (YYYY-MM-DD)."),
        counter("students", note="Students in the experiment."),
        text("summary", readonly=True, note="Each strategy against the control, in words."),
        json_code("report", readonly=True, note="JSON: per strategy and metric, values, intervals and verdicts."),
        date_created(),
    ], group="analytics", sort_order=2, template="{{experiment}} · {{day}}", accountability=None, color=ORANGE),

    # -- teaching --
    # A teacher reads the learner records of the students of their cohorts only: the Teacher
    # policy filters through cohorts_students and cohorts_teachers (directus-schema/src/access.rs).
    collection("cohorts", "Cohort", "groups",
               "A class: the teachers who follow it and its students. A teacher reads the records of the "
               "students of their own cohorts only.", [
        string("name", required=True, width="half", placeholder="e.g. Fractions class"),
        m2o("course", "{{title}}", note="The course the cohort follows. Clearing it (or deleting the course) "
                                        "keeps the cohort."),
        m2m("teachers", "{{teacher.first_name}} {{teacher.last_name}}",
            "Teachers who follow this cohort: they read its students' attempts, mastery and paths."),
        m2m("students", "{{student.first_name}} {{student.last_name}} ({{student.email}})",
            "The cohort's students. Deleting a user removes them from their cohorts."),
        date_created(), date_updated(),
    ], group="teaching", sort_order=1, template="{{name}}", color=GREEN),

    collection("cohorts_teachers", "Cohort teacher", "link", "Junction: who teaches a cohort.", [
        m2o("cohort", "{{name}}", required=True),
        m2o("teacher", USER_TEMPLATE, user=True, required=True,
            note="A Directus user (normally with the Teacher role). Deleting the user deletes this link."),
    ], group="teaching", sort_order=2, template="{{teacher.email}} teaches {{cohort.name}}", hidden=True),

    collection("cohorts_students", "Cohort student", "link", "Junction: who is in a cohort.", [
        m2o("cohort", "{{name}}", required=True),
        m2o("student", USER_TEMPLATE, user=True, required=True,
            note="A student user. Deleting the user deletes this link."),
    ], group="teaching", sort_order=3, template="{{student.email}} in {{cohort.name}}", hidden=True),
]

# Alias fields Pathwise adds to Directus' own collections. `student_cohorts` is what the
# Teacher policy's item filters walk through: a learner record's `student`, their cohorts,
# each cohort's teachers ({"student": {"student_cohorts": {"cohort": {"teachers": ...}}}}).
SYSTEM_ALIASES = [
    ("directus_users", m2m("student_cohorts", "{{cohort.name}}", "The cohorts this user is a student in.")),
    ("directus_users", m2m("teacher_cohorts", "{{cohort.name}}", "The cohorts this user teaches.")),
]

# (collection, field, related collection, ON DELETE, alias on the related side, junction partner).
# An o2m list sorts by the child's `sort`; removing a child from it deletes the child (the child
# cannot exist without its parent: the column is NOT NULL and cascades). Removing an item from
# an m2m list deletes only the junction row.
RELATIONS = [
    ("courses", "subject", "subjects", "SET NULL", None, None),
    ("course_insights", "course", "courses", "CASCADE", None, None),
    ("modules", "course", "courses", "CASCADE", "modules", None),
    ("lessons", "module", "modules", "CASCADE", "lessons", None),
    ("skills", "course", "courses", "CASCADE", "skills", None),
    ("questions", "lesson", "lessons", "CASCADE", "questions", None),
    ("lesson_skills", "lesson", "lessons", "CASCADE", "skills", "skill"),
    ("lesson_skills", "skill", "skills", "CASCADE", None, "lesson"),
    ("lesson_prerequisites", "lesson", "lessons", "CASCADE", "prerequisites", "prerequisite"),
    ("lesson_prerequisites", "prerequisite", "lessons", "CASCADE", None, "lesson"),
    ("question_skills", "question", "questions", "CASCADE", "skills", "skill"),
    ("question_skills", "skill", "skills", "CASCADE", None, "question"),
    # Learner records: deleting the student user deletes them (right to erasure).
    ("attempts", "student", "directus_users", "CASCADE", None, None),
    ("attempts", "lesson", "lessons", "SET NULL", None, None),
    ("student_profiles", "student", "directus_users", "CASCADE", None, None),
    ("mastery", "student", "directus_users", "CASCADE", None, None),
    ("mastery", "skill", "skills", "CASCADE", None, None),
    ("learning_paths", "student", "directus_users", "CASCADE", None, None),
    ("learning_paths", "course", "courses", "CASCADE", None, None),
    ("learning_paths", "current_lesson", "lessons", "SET NULL", None, None),
    ("recommendations", "student", "directus_users", "CASCADE", None, None),
    ("recommendations", "course", "courses", "CASCADE", None, None),
    ("recommendations", "attempt", "attempts", "CASCADE", None, None),
    ("recommendations", "lesson", "lessons", "SET NULL", None, None),
    ("recommendations", "skill", "skills", "SET NULL", None, None),
    ("content_issues", "course", "courses", "CASCADE", None, None),
    ("messages", "student", "directus_users", "CASCADE", None, None),
    ("badges", "student", "directus_users", "CASCADE", None, None),
    # Cohorts: deleting a cohort or a user deletes only the links (right to erasure).
    ("cohorts", "course", "courses", "SET NULL", None, None),
    ("cohorts_teachers", "cohort", "cohorts", "CASCADE", "teachers", "teacher"),
    ("cohorts_teachers", "teacher", "directus_users", "CASCADE", "teacher_cohorts", "cohort"),
    ("cohorts_students", "cohort", "cohorts", "CASCADE", "students", "student"),
    ("cohorts_students", "student", "directus_users", "CASCADE", "student_cohorts", "cohort"),
]


def relation(coll, fld, related, on_delete, one_field, partner):
    o2m_sort = "sort" if one_field and not partner else None
    return {"collection": coll, "field": fld, "related_collection": related,
            "schema": {"on_delete": on_delete},
            "meta": {"one_field": one_field, "sort_field": o2m_sort, "junction_field": partner,
                     "one_deselect_action": "delete" if one_field or partner else "nullify",
                     "one_collection_field": None, "one_allowed_collections": None}}


# ---- REST --------------------------------------------------------------------------------------

class Directus:
    def __init__(self, url, token):
        self.url, self.token = url.rstrip("/"), token

    def call(self, method, path, body=None, *, raw=None, content_type="application/json", expect=None):
        """Returns (status, text). Exits with the error unless the status is 2xx (or in `expect`)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Authorization": "Bearer " + self.token}
        if data is not None:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            if expect and e.code in expect:
                return e.code, text
            sys.exit(f"{method} {path} answered {e.code}: {text}\nrequest body: {(data or b'')[:1500]!r}")

    def json(self, method, path, body=None):
        _, text = self.call(method, path, body)
        return json.loads(text) if text else None

    def diff(self, yaml_text):
        """POST /schema/diff with the snapshot as a multipart file; returns (status, text)."""
        boundary = "pathwise-" + uuid.uuid4().hex
        raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"snapshot.yaml\"\r\n"
               f"Content-Type: application/x-yaml\r\n\r\n").encode() + yaml_text.encode() + \
              f"\r\n--{boundary}--\r\n".encode()
        return self.call("POST", "/schema/diff", raw=raw, content_type=f"multipart/form-data; boundary={boundary}")


def main():
    args = sys.argv[1:]
    url = args[0] if len(args) > 0 else os.environ.get("DIRECTUS_URL")
    token = args[1] if len(args) > 1 else os.environ.get("DIRECTUS_TOKEN")
    out = args[2] if len(args) > 2 else os.path.join(REPO_ROOT, "directus-snapshot.yaml")
    if not url or not token:
        sys.exit(__doc__)
    api = Directus(url, token)

    existing = {c["collection"] for c in api.json("GET", "/collections?limit=-1")["data"]}
    ours = {f["collection"] for f in FOLDERS} | {c["collection"] for c in COLLECTIONS}
    if existing & ours:
        sys.exit(f"{url} already has {sorted(existing & ours)}: run this on a fresh Directus")

    for folder in FOLDERS:
        name = folder["collection"]
        api.json("POST", "/collections", {"collection": name, "schema": None, "meta": {
            **{k: v for k, v in folder.items() if k != "collection"}, "collapse": "open",
            "translations": [{"language": "en-US", "translation": label(name), "singular": label(name),
                              "plural": label(name)}]}})
    # Each collection with its plain fields first; alias fields once every collection exists
    # (an o2m alias's meta refers to the other side), then the relations that give them meaning.
    for c in COLLECTIONS:
        api.json("POST", "/collections", {**c, "fields": [f for f in c["fields"] if f["type"] != "alias"]})
    for c in COLLECTIONS:
        for f in c["fields"]:
            if f["type"] == "alias":
                api.json("POST", f"/fields/{c['collection']}", f)
    for system_collection, f in SYSTEM_ALIASES:
        api.json("POST", f"/fields/{system_collection}", f)
    for r in RELATIONS:
        api.json("POST", "/relations", relation(*r))

    _, yaml_text = api.call("GET", "/schema/snapshot?export=yaml")
    with open(out, "w", encoding="utf-8") as f:
        f.write(yaml_text)
    status, text = api.diff(yaml_text)
    if status != 204:
        sys.exit(f"the exported snapshot does not re-diff to 204 on its own instance ({status}): {text[:3000]}")
    n_fields = sum(len(c["fields"]) for c in COLLECTIONS)
    n_fields += len(SYSTEM_ALIASES)
    print(f"wrote {out}: {len(COLLECTIONS)} collections (+{len(FOLDERS)} folders), {n_fields} fields, "
          f"{len(RELATIONS)} relations; re-diff on this instance: 204 (no changes)")


if __name__ == "__main__":
    main()
