"""Agreement between two classifications of the same areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omradesbild.errors import InputError
from omradesbild.measures.agreement import classification_agreement, compare_classifications


def test_compare_classifications_counts() -> None:
    ours = pd.DataFrame({"area_code": ["a", "b", "c", "d"], "class": [1, 1, 2, None]})
    theirs = pd.DataFrame(
        {
            "area_code": ["a", "b", "c", "d", "e"],
            "k": ["1", "2", "2", "2", "99"],
            "lab": ["one", "two", "two", "two", "none"],
        }
    )
    tab = compare_classifications(ours, theirs, their_class="k", their_label="lab")
    assert tab.columns.tolist() == ["their_class", "their_label", "1", "2", "saknas", "total"]
    assert tab["their_class"].tolist() == ["1", "2", "99"]
    assert tab["their_label"].tolist() == ["one", "two", "none"]
    assert tab[["1", "2", "saknas"]].to_numpy().tolist() == [[1, 0, 0], [1, 1, 1], [0, 0, 1]]
    assert tab["total"].tolist() == [1, 3, 1]


def test_classification_agreement_signs() -> None:
    rng = np.random.default_rng(1)
    score = rng.normal(size=40)
    ours = pd.DataFrame(
        {
            "area_code": [f"x{i}" for i in range(40)],
            "score": score,
            "class": pd.qcut(-score, 4, labels=False) + 1,  # 1 = highest score
        }
    )
    # Their classes: 1 = most challenged = highest score, 4 = best off.
    theirs = ours[["area_code"]].assign(k=pd.qcut(-score, 4, labels=False) + 1)
    theirs.loc[0, "k"] = 99
    st = classification_agreement(ours, theirs, their_class="k", unclassified=["99"])
    assert st.n == 39 and st.n_unclassified == 1
    assert st.spearman_score > 0.9 and st.spearman_class == pytest.approx(1.0)
    flipped = classification_agreement(
        ours, theirs, their_class="k", unclassified=["99"], their_higher_is_better=False
    )
    assert flipped.spearman_score == pytest.approx(-st.spearman_score)


def test_agreement_refuses_non_numeric_classes() -> None:
    ours = pd.DataFrame({"area_code": ["a", "b"], "score": [1.0, 2.0], "class": [1, 2]})
    theirs = pd.DataFrame({"area_code": ["a", "b"], "k": ["1", "low"]})
    with pytest.raises(InputError, match="not a number"):
        classification_agreement(ours, theirs, their_class="k")
