#!/usr/bin/env python3
"""Reference vectors for Pathwise's Bayesian Knowledge Tracing, computed by pyBKT.

How to run (from the repository root; the venv is git-ignored):

    python3 -m venv .pathwise/pyvectors
    .pathwise/pyvectors/bin/pip install pybkt==1.4.3 "numpy<2" "pandas<2.3" "scikit-learn<1.6" fsrs==6.3.2
    .pathwise/pyvectors/bin/python worker/tests/vectors/generate_bkt.py

It writes worker/tests/vectors/bkt.json, which `worker/src/learning/mastery.rs` reads in
its tests and compares with its own O(1) update to 1e-9.

pyBKT runs fixed parameters like this: fit once on any data (the fit itself is thrown
away), then overwrite every parameter in `model.fit_model[skill]`. Forgetting is 0
(standard BKT). pyBKT's `state_predictions` are P(known) BEFORE each answer: entry t is
the posterior after answer t-1 followed by the learning transition. Pathwise stores
P(known) AFTER an answer (posterior, then transition), which is pyBKT's entry t+1. To get
the value after the last answer, each sequence is fed to pyBKT with one extra answer
appended (a prediction never depends on the answer it predicts), and that extra row is
dropped from the vectors.
"""

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
from pyBKT.models import Model

OUT = Path(__file__).with_name("bkt.json")
SKILL = "s"

# (name, p_init, p_learn, p_guess, p_slip)
PARAMETER_SETS = [
    ("directus_defaults", 0.2, 0.15, 0.2, 0.1),
    ("fast_learner", 0.4, 0.35, 0.25, 0.05),
    ("slow_learner", 0.05, 0.02, 0.3, 0.2),
    ("guessy", 0.3, 0.1, 0.45, 0.15),
    ("near_bounds", 0.001, 0.999, 0.001, 0.001),
    ("high_prior", 0.9, 0.05, 0.1, 0.3),
]

FIXED_SEQUENCES = [
    [1],
    [0],
    [1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0],
    [1, 0, 1, 0, 1, 0],
    [0, 0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0, 0, 1],
]


def random_sequences(seed: int, count: int) -> list[list[int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = rng.randint(1, 30)
        p = rng.random()
        out.append([1 if rng.random() < p else 0 for _ in range(length)])
    return out


def fixed_parameter_model(p_init, p_learn, p_guess, p_slip) -> Model:
    model = Model(seed=42, num_fits=1)
    dummy = pd.DataFrame(
        {
            "order_id": range(8),
            "user_id": [1] * 4 + [2] * 4,
            "skill_name": [SKILL] * 8,
            "correct": [0, 1, 1, 1, 1, 0, 1, 1],
        }
    )
    model.fit(data=dummy)
    fm = model.fit_model[SKILL]
    fm["prior"] = p_init
    fm["pi_0"] = np.array([[1 - p_init], [p_init]])
    fm["learns"] = np.array([p_learn])
    fm["forgets"] = np.array([0.0])
    fm["guesses"] = np.array([p_guess])
    fm["slips"] = np.array([p_slip])
    fm["As"] = np.array([[[1 - p_learn, 0.0], [p_learn, 1.0]]])
    fm["emissions"] = np.array([[[1 - p_guess, p_guess], [p_slip, 1 - p_slip]]])
    return model


def predict(model: Model, sequences: list[list[int]]):
    rows = []
    order = 0
    for user, seq in enumerate(sequences):
        for answer in seq + [1]:  # the extra answer yields P(known) after the last real one
            rows.append({"order_id": order, "user_id": user + 1, "skill_name": SKILL, "correct": answer})
            order += 1
    df = pd.DataFrame(rows)
    preds = model.predict(data=df)
    out = []
    for user, seq in enumerate(sequences):
        user_rows = preds[preds["user_id"] == user + 1].sort_values("order_id")
        states = [float(x) for x in user_rows["state_predictions"]]
        correct = [float(x) for x in user_rows["correct_predictions"]]
        out.append(
            {
                "answers": [bool(a) for a in seq],
                # P(known) after each answer: posterior, then the learning transition
                "p_known_after": states[1:],
                # P(correct) predicted before each answer
                "p_correct_before": correct[:-1],
            }
        )
    return out


def main() -> None:
    cases = []
    for index, (name, p_init, p_learn, p_guess, p_slip) in enumerate(PARAMETER_SETS):
        sequences = FIXED_SEQUENCES + random_sequences(seed=1000 + index, count=6)
        model = fixed_parameter_model(p_init, p_learn, p_guess, p_slip)
        cases.append(
            {
                "name": name,
                "p_init": p_init,
                "p_learn": p_learn,
                "p_guess": p_guess,
                "p_slip": p_slip,
                "sequences": predict(model, sequences),
            }
        )
    document = {
        "generator": "worker/tests/vectors/generate_bkt.py",
        "reference": "pyBKT 1.4.3 (numpy<2, pandas<2.3, scikit-learn<1.6), forgets = 0",
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    total = sum(len(c["sequences"]) for c in cases)
    print(f"wrote {OUT} ({len(cases)} parameter sets, {total} sequences)")


if __name__ == "__main__":
    main()
