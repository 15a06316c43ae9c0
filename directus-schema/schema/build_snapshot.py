#!/usr/bin/env python3
"""Builds directus-snapshot.yaml: creates Pathwise's collections, fields and relations on a
FRESH Directus 11.17.4 (SQLite) through its REST API, then exports the schema snapshot.

    python3 directus-schema/schema/build_snapshot.py http://127.0.0.1:8055 ADMIN_TOKEN

The YAML it writes (directus-snapshot.yaml, at the top of the repository) is what
`pathwise provision` applies. Change the schema here (or in the admin UI, then re-export
with GET /schema/snapshot?export=yaml), never only in the YAML by hand. docs/data-model.md
explains every collection. Python standard library only.
"""
import json
import sys
import urllib.error
import urllib.request

URL, TOKEN = sys.argv[1].rstrip("/"), sys.argv[2]
OUT = sys.argv[3] if len(sys.argv) > 3 else "directus-snapshot.yaml"


def call(method, path, body=None, raw=False):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path} failed: {e.code} {e.read().decode()}\nbody: {json.dumps(body)[:2000]}")
    return text if raw else (json.loads(text) if text else None)


# ---- field builders -------------------------------------------------------------------

def pk():
    return {"field": "id", "type": "integer", "meta": {"hidden": True, "readonly": True, "interface": "input"},
            "schema": {"is_primary_key": True, "has_auto_increment": True}}


def field(name, type_, interface=None, *, note=None, required=False, default=None, width="full", options=None,
          display=None, display_options=None, readonly=False, hidden=False, unique=False, nullable=True,
          special=None, validation=None, validation_message=None, sort=None):
    meta = {"interface": interface, "note": note, "required": required, "width": width, "options": options,
            "display": display, "display_options": display_options, "readonly": readonly, "hidden": hidden,
            "special": special, "validation": validation, "validation_message": validation_message}
    if sort is not None:
        meta["sort"] = sort
    schema = {"default_value": default, "is_unique": unique, "is_nullable": nullable and not required}
    return {"field": name, "type": type_, "meta": meta, "schema": schema}


def string(name, **kw):
    kw.setdefault("interface", "input")
    return field(name, "string", kw.pop("interface"), **kw)


def text(name, interface="input-multiline", **kw):
    return field(name, "text", interface, **kw)


def integer(name, **kw):
    return field(name, "integer", kw.pop("interface", "input"), **kw)


def floating(name, **kw):
    return field(name, "float", kw.pop("interface", "input"), **kw)


def probability(name, default, note):
    return floating(name, default=default, note=note, width="half", interface="slider",
                    options={"minValue": 0, "maxValue": 1, "stepInterval": 0.01},
                    validation={"_and": [{name: {"_gt": 0}}, {name: {"_lt": 1}}]},
                    validation_message="Must be strictly between 0 and 1.")


def threshold(name, default, note):
    return floating(name, default=default, note=note, width="third" if False else "half", interface="slider",
                    options={"minValue": 0, "maxValue": 1, "stepInterval": 0.01},
                    validation={"_and": [{name: {"_gte": 0}}, {name: {"_lte": 1}}]},
                    validation_message="Must be between 0 and 1.")


def boolean(name, default=False, **kw):
    return field(name, "boolean", "boolean", default=default, special=["cast-boolean"],
                 display="boolean", **kw)


def timestamp(name, **kw):
    return field(name, "timestamp", "datetime", display="datetime",
                 display_options={"relative": True}, **kw)


def json_field(name, note=None, **kw):
    return field(name, "json", "input-code", note=note, special=["cast-json"],
                 options={"language": "json", "lineNumber": True}, **kw)


def created():
    return field("date_created", "timestamp", "datetime", special=["date-created"], readonly=True, hidden=True,
                 width="half", display="datetime", display_options={"relative": True})


def updated():
    return field("date_updated", "timestamp", "datetime", special=["date-updated"], readonly=True, hidden=True,
                 width="half", display="datetime", display_options={"relative": True})


def sort_field():
    return integer("sort", hidden=True, interface="input")


def choice(name, choices, default, note=None, **kw):
    colors = {"draft": "#A2B5CD", "published": "#2ECDA7", "archived": "#FFA439", "submitted": "#3399FF",
              "graded": "#2ECDA7", "rejected": "#E35169", "active": "#3399FF", "completed": "#2ECDA7",
              "dismissed": "#A2B5CD", "superseded": "#FFA439", "advance": "#2ECDA7", "remediate": "#E35169",
              "practice": "#FFA439", "review": "#3399FF", "lesson": "#6644FF", "remediation": "#E35169"}
    opts = [{"text": c.replace("_", " ").capitalize(), "value": c} for c in choices]
    labels = [{"text": c.replace("_", " ").capitalize(), "value": c, "foreground": "#FFFFFF",
               "background": colors.get(c, "#6644FF")} for c in choices]
    return string(name, interface="select-dropdown", options={"choices": opts}, display="labels",
                  display_options={"showAsDot": False, "choices": labels}, default=default, note=note,
                  required=kw.pop("required", True), width=kw.pop("width", "half"), **kw)


def m2o(name, related, template, *, note=None, required=False, readonly=False, uuid=False, width="half",
        hidden=False):
    return field(name, "uuid" if uuid else "integer", "select-dropdown-m2o", note=note, required=required,
                 readonly=readonly, width=width, hidden=hidden, special=["m2o"],
                 options={"template": template, "enableCreate": False} if not uuid else {"template": template},
                 display="related-values", display_options={"template": template})


def student(readonly=True):
    return m2o("student", "directus_users", "{{first_name}} {{last_name}} ({{email}})", required=True,
               readonly=readonly, uuid=True, note="The learner (a Directus user).")


def alias(name, kind, template, note=None):
    if kind == "o2m":
        return {"field": name, "type": "alias", "meta": {"special": ["o2m"], "interface": "list-o2m",
                "options": {"template": template, "enableSelect": False}, "display": "related-values",
                "display_options": {"template": template}, "note": note}}
    return {"field": name, "type": "alias", "meta": {"special": ["m2m"], "interface": "list-m2m",
            "options": {"template": template, "enableCreate": False}, "display": "related-values",
            "display_options": {"template": template}, "note": note}}


def slug(name="slug"):
    return string(name, required=True, unique=True, width="half", note="Lowercase words joined by dashes.",
                  options={"placeholder": "e.g. fractions", "slug": True, "trim": True},
                  validation={name: {"_regex": "^[a-z0-9]+(?:-[a-z0-9]+)*$"}},
                  validation_message="Lowercase letters, digits and single dashes only.")


STATUS = ["draft", "published", "archived"]

# ---- collections ----------------------------------------------------------------------

FOLDERS = [
    ("content", "menu_book", "What editors author: subjects, courses, modules, lessons, skills and questions.", 1),
    ("learner_records", "insights", "What learners produce and Pathwise computes. Written by the worker.", 2),
]


def collection(name, icon, note, fields, *, group, sort, template=None, sort_field_name=None, archive=False,
               hidden=False, color=None, singular=None):
    meta = {"icon": icon, "note": note, "display_template": template, "group": group, "sort": sort,
            "hidden": hidden, "color": color, "sort_field": sort_field_name, "collapse": "open",
            "accountability": "all"}
    if archive:
        meta.update({"archive_field": "status", "archive_value": "archived", "unarchive_value": "draft",
                     "archive_app_filter": True})
    if singular:
        meta["translations"] = [{"language": "en-US", "translation": name.replace("_", " ").title(),
                                 "singular": singular, "plural": name.replace("_", " ").title()}]
    return {"collection": name, "meta": meta, "schema": {}, "fields": [pk()] + fields}


COLLECTIONS = [
    collection("subjects", "category", "Broad areas of study, e.g. Mathematics.", [
        string("name", required=True, width="half"), slug(), text("description"),
        string("icon", interface="select-icon", width="half", note="Shown next to the subject."), sort_field(),
    ], group="content", sort=1, template="{{name}}", sort_field_name="sort", singular="Subject"),
    collection("courses", "school", "A course: modules of lessons, its skills, and the thresholds that drive recommendations.", [
        choice("status", STATUS, "draft"), sort_field(),
        string("title", required=True), slug(),
        m2o("subject", "subjects", "{{name}}"),
        text("summary", note="One or two sentences shown to students."),
        threshold("advance_threshold", 0.9, "Score at or above which a student moves on to the next lesson."),
        threshold("remediate_threshold", 0.7, "Score below which a student gets remediation plus practice."),
        threshold("mastery_threshold", 0.95, "Probability of knowing a skill at which it counts as mastered."),
        alias("modules", "o2m", "{{sort}}. {{title}}", "The course's modules, in order."),
        alias("skills", "o2m", "{{name}}", "The knowledge components this course teaches."),
        created(), updated(),
    ], group="content", sort=2, template="{{title}}", sort_field_name="sort", archive=True, color="#6644FF",
        singular="Course"),
    collection("modules", "view_module", "An ordered part of a course.", [
        m2o("course", "courses", "{{title}}", required=True), sort_field(),
        string("title", required=True), text("summary"),
        alias("lessons", "o2m", "{{sort}}. {{title}} ({{kind}})", "The module's lessons, in order."),
    ], group="content", sort=3, template="{{title}}", sort_field_name="sort", singular="Module"),
    collection("lessons", "article", "A lesson, remediation lesson or practice set; its questions assess skills.", [
        choice("status", STATUS, "draft"),
        choice("kind", ["lesson", "remediation", "practice"], "lesson",
               note="Remediation lessons are recommended when a student struggles with their skills."),
        m2o("module", "modules", "{{title}}", required=True), sort_field(),
        string("title", required=True),
        text("body", interface="input-rich-text-md", note="The lesson itself, in Markdown."),
        string("video_url", width="half", note="Optional video (https URL).", options={"placeholder": "https://"},
               validation={"_or": [{"video_url": {"_null": True}}, {"video_url": {"_regex": "^https?://"}}]},
               validation_message="Must be an http(s) URL."),
        integer("estimated_minutes", width="half", note="Expected time; used to judge an attempt's speed.",
                validation={"_or": [{"estimated_minutes": {"_null": True}}, {"estimated_minutes": {"_gt": 0}}]},
                validation_message="Must be a positive number of minutes."),
        alias("skills", "m2m", "{{skill.name}}", "Skills this lesson teaches."),
        alias("prerequisites", "m2m", "{{prerequisite.title}}", "Lessons a student must finish first."),
        alias("questions", "o2m", "{{sort}}. {{prompt}}", "The questions that assess this lesson."),
        created(), updated(),
    ], group="content", sort=4, template="{{title}}", sort_field_name="sort", archive=True, color="#2ECDA7",
        singular="Lesson"),
    collection("skills", "psychology", "A knowledge component, with the Bayesian Knowledge Tracing parameters used to estimate mastery.", [
        m2o("course", "courses", "{{title}}", required=True), sort_field(),
        string("name", required=True), text("description"),
        probability("p_init", 0.2, "Probability a student knows the skill before any practice."),
        probability("p_learn", 0.15, "Probability of learning the skill at each practice opportunity."),
        probability("p_guess", 0.2, "Probability of a correct answer without knowing the skill."),
        probability("p_slip", 0.1, "Probability of a wrong answer despite knowing the skill."),
    ], group="content", sort=5, template="{{name}}", sort_field_name="sort", singular="Skill"),
    collection("lesson_skills", "link", "Which skills a lesson teaches.", [
        m2o("lesson", "lessons", "{{title}}", required=True), m2o("skill", "skills", "{{name}}", required=True),
    ], group="content", sort=6, hidden=True, template="{{lesson.title}} → {{skill.name}}"),
    collection("lesson_prerequisites", "account_tree", "Lesson A needs lesson B first.", [
        m2o("lesson", "lessons", "{{title}}", required=True),
        m2o("prerequisite", "lessons", "{{title}}", required=True),
    ], group="content", sort=7, hidden=True, template="{{lesson.title}} needs {{prerequisite.title}}"),
    collection("questions", "quiz", "A question of a lesson. The answer key's format depends on the type (docs/answer-keys.md).", [
        choice("status", STATUS, "published"),
        choice("type", ["single_choice", "multiple_choice", "true_false", "numeric", "fraction", "short_text",
                        "ordering"], None, note="Decides the format of choices and answer key."),
        m2o("lesson", "lessons", "{{title}}", required=True), sort_field(),
        text("prompt", required=True, interface="input-rich-text-md"),
        json_field("choices", note='For choice and ordering types: [{"id":"a","text":"1/2"}, ...]'),
        json_field("answer_key", note="Format per question type: see docs/answer-keys.md. Never shown to students.",
                   required=True),
        floating("points", default=1, width="half", validation={"points": {"_gt": 0}},
                 validation_message="Points must be positive."),
        text("explanation", note="Shown to the student after answering."),
        alias("skills", "m2m", "{{skill.name}}", "Skills this question assesses."),
    ], group="content", sort=8, template="{{prompt}}", sort_field_name="sort", archive=True, singular="Question"),
    collection("question_skills", "link", "Which skills a question assesses.", [
        m2o("question", "questions", "{{prompt}}", required=True), m2o("skill", "skills", "{{name}}", required=True),
    ], group="content", sort=9, hidden=True, template="{{question.prompt}} → {{skill.name}}"),
    collection("attempts", "assignment_turned_in", "A student's submitted answers to a lesson; graded by Pathwise.", [
        student(readonly=False),
        m2o("lesson", "lessons", "{{title}}", required=True),
        choice("status", ["submitted", "graded", "rejected"], "submitted", readonly=True),
        json_field("answers", note='{"<question id>": answer}', required=True),
        timestamp("started_at", width="half"), timestamp("submitted_at", width="half"),
        floating("score", readonly=True, width="half", note="Points earned / points possible, 0..1.",
                 display="formatted-value", display_options={"format": True}),
        floating("points_earned", readonly=True, width="half"),
        floating("points_possible", readonly=True, width="half"),
        floating("duration_seconds", readonly=True, width="half"),
        string("speed_flag", readonly=True, width="half", note="Set when the timing cannot be trusted."),
        text("rejection_reason", readonly=True, note="Why the attempt could not be graded, for the student."),
        json_field("results", readonly=True, note="Per-question results and feedback."),
        timestamp("graded_at", readonly=True, width="half"),
        created(),
    ], group="learner_records", sort=1, template="{{student.email}} · {{lesson.title}} · {{status}}",
        color="#3399FF", singular="Attempt"),
    collection("student_profiles", "badge", "One per student: XP, streak and activity.", [
        field("student", "uuid", "select-dropdown-m2o", required=True, readonly=True, unique=True, special=["m2o"],
              options={"template": "{{first_name}} {{last_name}} ({{email}})"}, display="related-values",
              display_options={"template": "{{first_name}} {{last_name}} ({{email}})"}, width="half"),
        string("time_zone", width="half", note="IANA time zone, e.g. Europe/Paris; streaks count days there.",
               options={"placeholder": "UTC"}),
        integer("xp", default=0, readonly=True, width="half"),
        integer("streak_days", default=0, readonly=True, width="half"),
        integer("longest_streak", default=0, readonly=True, width="half"),
        timestamp("last_active_at", readonly=True, width="half"),
        string("strategy", readonly=True, width="half", note="Recommendation strategy the student is assigned to."),
        json_field("applied_attempts", readonly=True, hidden=True,
                   note="Attempts already counted (idempotence)."),
        created(), updated(),
    ], group="learner_records", sort=2, template="{{student.email}}", singular="Student profile"),
    collection("mastery", "trending_up", "One per student and skill: probability known (BKT) and the review schedule (FSRS).", [
        string("key", required=True, unique=True, readonly=True, hidden=True, note="<student>:<skill>"),
        student(), m2o("skill", "skills", "{{name}}", required=True, readonly=True),
        floating("p_known", readonly=True, width="half", display="formatted-value"),
        boolean("mastered", readonly=True, width="half"),
        integer("observations", default=0, readonly=True, width="half"),
        integer("correct", default=0, readonly=True, width="half"),
        floating("stability", readonly=True, width="half", note="FSRS stability, in days."),
        floating("difficulty", readonly=True, width="half", note="FSRS difficulty, 1..10."),
        timestamp("due_at", readonly=True, width="half", note="When a review is due."),
        timestamp("last_review_at", readonly=True, width="half"),
        json_field("applied_attempts", readonly=True, hidden=True, note="Attempts already counted (idempotence)."),
        updated(),
    ], group="learner_records", sort=3, template="{{student.email}} · {{skill.name}}", singular="Mastery"),
    collection("learning_paths", "route", "One per student and course: lessons in prerequisite order with their state.", [
        string("key", required=True, unique=True, readonly=True, hidden=True, note="<student>:<course>"),
        student(), m2o("course", "courses", "{{title}}", required=True, readonly=True),
        json_field("steps", readonly=True, note='[{"lesson": id, "state": "done" | "available" | "locked"}]'),
        m2o("current_lesson", "lessons", "{{title}}", readonly=True),
        floating("progress", readonly=True, width="half", note="Share of lessons done, 0..1."),
        updated(),
    ], group="learner_records", sort=4, template="{{student.email}} · {{course.title}}", singular="Learning path"),
    collection("recommendations", "recommend", "What a student should do next, and why.", [
        string("key", unique=True, readonly=True, hidden=True, note="<attempt>:<n>, so a retry cannot duplicate it."),
        student(), m2o("course", "courses", "{{title}}", required=True, readonly=True),
        m2o("attempt", "attempts", "#{{id}}", readonly=True),
        choice("kind", ["advance", "remediate", "practice", "review"], None, readonly=True),
        choice("status", ["active", "completed", "dismissed", "superseded"], "active"),
        m2o("lesson", "lessons", "{{title}}", readonly=True),
        m2o("skill", "skills", "{{name}}", readonly=True),
        json_field("questions", readonly=True, note="Practice question ids."),
        text("reason", readonly=True, note="Why, in words the student reads."),
        integer("priority", default=0, readonly=True, width="half"),
        string("strategy", readonly=True, width="half"),
        created(), updated(),
    ], group="learner_records", sort=5, template="{{kind}} · {{reason}}", singular="Recommendation"),
    collection("dead_letters", "report", "Events the worker could not process, with the reason.", [
        string("source", width="half", readonly=True, note="flow, sweep or api"),
        integer("attempt_id", width="half", readonly=True, note="The attempt concerned, if any (no relation: it may be gone)."),
        text("reason", readonly=True),
        json_field("event", readonly=True, note="The payload as received."),
        boolean("resolved", note="Tick once handled."),
        created(),
    ], group="learner_records", sort=6, template="{{source}} · {{reason}}", color="#E35169",
        singular="Dead letter"),
]

# (collection, field, related collection, on delete, one_field alias on the related side, junction partner)
RELATIONS = [
    ("courses", "subject", "subjects", "SET NULL", None, None),
    ("modules", "course", "courses", "CASCADE", "modules", None),
    ("lessons", "module", "modules", "CASCADE", "lessons", None),
    ("skills", "course", "courses", "CASCADE", "skills", None),
    ("lesson_skills", "lesson", "lessons", "CASCADE", "skills", "skill"),
    ("lesson_skills", "skill", "skills", "CASCADE", None, "lesson"),
    ("lesson_prerequisites", "lesson", "lessons", "CASCADE", "prerequisites", "prerequisite"),
    ("lesson_prerequisites", "prerequisite", "lessons", "CASCADE", None, "lesson"),
    ("questions", "lesson", "lessons", "CASCADE", "questions", None),
    ("question_skills", "question", "questions", "CASCADE", "skills", "skill"),
    ("question_skills", "skill", "skills", "CASCADE", None, "question"),
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
]


def main():
    existing = {c["collection"] for c in call("GET", "/collections?limit=-1")["data"]}
    if "courses" in existing:
        sys.exit("this Directus already has Pathwise collections: run on a fresh instance")
    for name, icon, note, sort in FOLDERS:
        call("POST", "/collections", {"collection": name, "schema": None,
                                      "meta": {"icon": icon, "note": note, "sort": sort, "collapse": "open"}})
    # Aliases need their relations first: create the collections without them, then the
    # relations, then the alias fields.
    aliases = []
    for c in COLLECTIONS:
        plain = [f for f in c["fields"] if f["type"] != "alias"]
        aliases += [(c["collection"], f) for f in c["fields"] if f["type"] == "alias"]
        call("POST", "/collections", {**c, "fields": plain})
    for coll, fld, f in [(c, f["field"], f) for c, f in aliases]:
        call("POST", f"/fields/{coll}", f)
    for coll, fld, related, on_delete, one_field, partner in RELATIONS:
        meta = {"one_field": one_field, "sort_field": None, "one_deselect_action": "delete" if partner else "nullify",
                "junction_field": partner}
        call("POST", "/relations", {"collection": coll, "field": fld, "related_collection": related,
                                    "schema": {"on_delete": on_delete}, "meta": meta})
    yaml = call("GET", "/schema/snapshot?export=yaml", raw=True)
    with open(OUT, "w") as f:
        f.write(yaml)
    print(f"wrote {OUT}: {len(COLLECTIONS)} collections, {len(RELATIONS)} relations")


if __name__ == "__main__":
    main()
