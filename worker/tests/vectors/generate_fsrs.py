#!/usr/bin/env python3
"""Reference vectors for Pathwise's FSRS reviews, computed by the Python `fsrs` package.

How to run (from the repository root; the venv is git-ignored):

    python3 -m venv .pathwise/pyvectors
    .pathwise/pyvectors/bin/pip install pybkt==1.4.3 "numpy<2" "pandas<2.3" "scikit-learn<1.6" fsrs==6.3.2
    .pathwise/pyvectors/bin/python worker/tests/vectors/generate_fsrs.py

It writes worker/tests/vectors/fsrs.json, which `worker/src/learning/reviews.rs` replays
through the `fsrs` crate (FSRS-6, the scheduler Pathwise uses) in its tests:
- `defaults`: every scenario with py-fsrs 6's default FSRS-6 parameters, which are what
  Pathwise schedules with until a course has its own fitted ones (and must equal the
  crate's `DEFAULT_PARAMETERS`);
- `aligned` and `divergent`: the same scenarios with the parameters below, which once
  aligned FSRS-6 with rs-fsrs' FSRS-5 (the crate Pathwise used before): they now check
  that a course's own parameters are honoured (`ReviewScheduler::with_parameters`).

The notes below are about that former comparison with rs-fsrs.

The two implement different FSRS versions. rs-fsrs 1.2.1 is FSRS-5 (19 weights, decay
-0.5); fsrs 6.3.2 is FSRS-6 (21 weights, decay -w[20]). They are aligned here as far as
parameters allow:
- weights 0..18 are rs-fsrs' defaults; w[19] = 0 (FSRS-6's same-day stability no longer
  depends on stability) and w[20] = 0.5 (decay -0.5, so FACTOR = 19/81 as in rs-fsrs);
- no learning or relearning steps (rs-fsrs' "long-term" scheduler, which Pathwise uses,
  has none: every review schedules whole days); no fuzz; desired retention 0.9.
What no parameter can align (so the vectors are split in two groups):
1. FSRS-6 damps the difficulty change linearly, (10 - D) / 9; rs-fsrs 1.2.1 does not.
   The change is zero for Good, so Good-only histories agree.
2. FSRS-6 caps post-lapse stability at S / exp(w17 * w18); rs-fsrs does not.
3. Same-day reviews: FSRS-6 uses its short-term stability formula; rs-fsrs treats them as
   a review at retrievability 1 (recall leaves S unchanged; a lapse uses the forget formula).
4. rs-fsrs forces intervals to be ordered Again < Hard < Good < Easy; FSRS-6 does not
   (visible for a first Hard rating: rs-fsrs 2 days, FSRS-6 1 day).
Group "aligned" avoids all four and must match to 1e-9; group "divergent" exercises
them and is compared with the measured tolerances written in reviews.rs.
"""

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fsrs import Card, Rating, Scheduler

OUT = Path(__file__).with_name("fsrs.json")

RS_FSRS_DEFAULT_WEIGHTS = [
    0.4072, 1.1829, 3.1262, 15.4722, 7.2102, 0.5316, 1.0651, 0.0234, 1.616, 0.1544,
    1.0824, 1.9813, 0.0953, 0.2975, 2.2042, 0.2407, 2.9466, 0.5034, 0.6567,
]
PARAMETERS = RS_FSRS_DEFAULT_WEIGHTS + [0.0, 0.5]
START = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)

A, H, G, E = Rating.Again, Rating.Hard, Rating.Good, Rating.Easy

# (name, [(rating, days since the previous review; the first is 0)])
ALIGNED = [
    ("good_on_due_dates", [(G, 0), (G, 3), (G, 11), (G, 37), (G, 110), (G, 290)]),
    ("good_late", [(G, 0), (G, 9), (G, 40), (G, 200)]),
    ("good_early", [(G, 0), (G, 1), (G, 2), (G, 5), (G, 8)]),
    ("easy_then_good", [(E, 0), (G, 15), (G, 60), (G, 180)]),
    ("again_then_good", [(A, 0), (G, 1), (G, 2), (G, 6), (G, 20)]),
    ("good_at_odd_hours", [(G, 0), (G, 3.4), (G, 12.9), (G, 40.25)]),
]

DIVERGENT = [
    ("hard_first", [(H, 0), (G, 1), (G, 4)]),
    ("lapse_after_reviews", [(G, 0), (G, 3), (G, 11), (A, 37), (G, 1), (G, 3)]),
    ("mixed_ratings", [(G, 0), (H, 3), (E, 5), (A, 20), (H, 2), (G, 4), (E, 9)]),
    ("same_day_reviews", [(G, 0), (G, 0.1), (E, 0.2), (A, 0.3), (G, 2)]),
    ("struggling", [(A, 0), (A, 1), (H, 1), (A, 2), (G, 1), (H, 3)]),
]


def random_scenarios(seed: int, count: int):
    rng = random.Random(seed)
    out = []
    for index in range(count):
        steps = [(rng.choice([A, H, G, E]), 0)]
        for _ in range(rng.randint(3, 10)):
            rating = rng.choices([A, H, G, E], weights=[2, 2, 5, 1])[0]
            days = rng.choice([1, 2, 3, 5, 8, 13, 30, 60]) + rng.choice([0, 0.25, 0.5])
            steps.append((rating, days))
        out.append((f"random_{index}", steps))
    return out


def replay(scheduler: Scheduler, steps):
    card = Card(card_id=1, due=START)
    now = START
    reviews = []
    for rating, days in steps:
        now = now + timedelta(days=days)
        card, _ = scheduler.review_card(card, rating, review_datetime=now)
        reviews.append(
            {
                "rating": rating.name.lower(),
                "at": now.isoformat().replace("+00:00", "Z"),
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": card.due.isoformat().replace("+00:00", "Z"),
            }
        )
    return reviews


def main() -> None:
    scheduler = Scheduler(
        parameters=PARAMETERS,
        desired_retention=0.9,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=36500,
        enable_fuzzing=False,
    )
    groups = {"aligned": ALIGNED, "divergent": DIVERGENT + random_scenarios(seed=7, count=12)}
    defaults = Scheduler(
        desired_retention=0.9,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=36500,
        enable_fuzzing=False,
    )
    document = {
        "generator": "worker/tests/vectors/generate_fsrs.py",
        "reference": "fsrs 6.3.2 (Python), no learning/relearning steps, no fuzz",
        "parameters": PARAMETERS,
        "desired_retention": 0.9,
    }
    for group, scenarios in groups.items():
        document[group] = [{"name": name, "reviews": replay(scheduler, steps)} for name, steps in scenarios]
    document["default_parameters"] = list(defaults.parameters)
    document["defaults"] = [
        {"name": name, "reviews": replay(defaults, steps)}
        for name, steps in ALIGNED + DIVERGENT + random_scenarios(seed=7, count=12)
    ]
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT} ({len(document['aligned'])} aligned, {len(document['divergent'])} divergent scenarios)")


if __name__ == "__main__":
    main()
