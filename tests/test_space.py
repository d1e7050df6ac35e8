import json
import math

import numpy as np
import pytest

from paperlib.space import TABLE2, Hyperparameter, SearchSpace, SpaceError, readable


def test_table2_is_the_papers_table():
    assert TABLE2.names == ("conv_size", "hidden_size", "batch_size", "dropout_rate", "learning_rate")
    assert [(hp.kind, hp.low, hp.high) for hp in TABLE2] == [
        ("int", 2, 7),
        ("int", 124, 1024),
        ("int", 16, 32),
        ("float", 0.5, 0.9),
        ("float", 0.0001, 0.1),
    ]
    assert TABLE2["learning_rate"].log and not TABLE2["dropout_rate"].log


def test_grids_cover_the_ranges():
    assert TABLE2["conv_size"].grid() == (2, 3, 4, 5, 6, 7)
    assert TABLE2["batch_size"].grid() == (16, 18, 20, 22, 24, 26, 28, 30, 32)
    lr = TABLE2["learning_rate"].grid()
    assert lr[0] == pytest.approx(1e-4) and lr[-1] == pytest.approx(0.1) and len(lr) == 9
    ratios = [b / a for a, b in zip(lr, lr[1:])]
    assert ratios == pytest.approx([10 ** (3 / 8)] * 8, rel=0.005)  # log-spaced: a constant ratio, to 3 digits
    for hp in TABLE2:
        assert all(TABLE2[hp.name].check(v) == v for v in hp.grid())


def test_float_grids_are_what_a_reader_would_write():
    assert TABLE2["dropout_rate"].grid() == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
    assert TABLE2["learning_rate"].grid() == (0.0001, 0.000237, 0.000562, 0.00133, 0.00316, 0.0075, 0.0178, 0.0422, 0.1)
    # The ends stay the range's bounds; a grid that 3 digits would merge keeps more.
    assert Hyperparameter("x", "float", 0.123456, 0.2, grid_size=3).grid() == (0.123456, 0.162, 0.2)
    assert readable([1.0, 1.00011, 1.00012, 2.0]) == (1.0, 1.00011, 1.00012, 2.0)


def test_validate_types_and_names_the_problem():
    config = TABLE2.validate(
        {"conv_size": 5.0, "hidden_size": 500, "batch_size": 16, "dropout_rate": 0.5, "learning_rate": 0.01}
    )
    assert config["conv_size"] == 5 and isinstance(config["conv_size"], int)
    bad = {**config}
    with pytest.raises(SpaceError, match="'conv_size'.*outside"):
        TABLE2.validate({**bad, "conv_size": 8})
    with pytest.raises(SpaceError, match="'hidden_size'.*integer"):
        TABLE2.validate({**bad, "hidden_size": 500.5})
    with pytest.raises(SpaceError, match="'dropout_rate'.*number"):
        TABLE2.validate({**bad, "dropout_rate": "0.5"})
    with pytest.raises(SpaceError, match="'learning_rate'.*finite"):
        TABLE2.validate({**bad, "learning_rate": math.nan})
    with pytest.raises(SpaceError, match="missing hyperparameter 'batch_size'"):
        TABLE2.validate({k: v for k, v in bad.items() if k != "batch_size"})


def test_malformed_space_definitions_are_refused():
    with pytest.raises(SpaceError, match="'lr'.*log scale"):
        SearchSpace.from_dict({"lr": {"kind": "float", "low": 0, "high": 1, "log": True}})
    with pytest.raises(SpaceError, match="'x'.*missing field 'high'"):
        SearchSpace.from_dict({"x": {"kind": "int", "low": 1}})
    with pytest.raises(SpaceError, match="'x'.*kind"):
        Hyperparameter("x", "str", 0, 1)
    with pytest.raises(SpaceError, match="duplicate"):
        SearchSpace((Hyperparameter("x", "int", 0, 3), Hyperparameter("x", "int", 0, 3)))
    assert SearchSpace.from_dict(TABLE2.to_dict()) == TABLE2


def test_categoricals_round_trip_through_json_and_give_back_their_choices():
    spec = {
        "optimizer": {"kind": "categorical", "choices": ["adam", "sgd", 3, True]},
        "lr": {"kind": "float", "low": 1e-4, "high": 1e-1, "log": True},
    }
    space = SearchSpace.from_dict(json.loads(json.dumps(spec)))
    assert (
        space["optimizer"].choices == ("adam", "sgd", 3, True)
        and space["optimizer"].grid() == space["optimizer"].choices
    )
    assert SearchSpace.from_dict(json.loads(json.dumps(space.to_dict()))) == space
    assert space.to_dict()["optimizer"] == {"kind": "categorical", "choices": ["adam", "sgd", 3, True]}
    assert space.validate({"optimizer": np.int64(3), "lr": 0.01})["optimizer"] == 3
    assert space.validate({"optimizer": True, "lr": 0.01})["optimizer"] is True  # True is not the choice 3 or 1
    with pytest.raises(SpaceError, match="'optimizer'.*'rmsprop' is not one of"):
        space.validate({"optimizer": "rmsprop", "lr": 0.01})
    with pytest.raises(SpaceError, match="'optimizer'.*1 is not one of"):
        space.validate({"optimizer": 1, "lr": 0.01})


def test_a_range_keeps_the_json_form_older_run_records_hold():
    assert TABLE2.to_dict()["conv_size"] == {"kind": "int", "low": 2, "high": 7, "log": False, "grid_size": 9}


@pytest.mark.parametrize(
    "fields, pattern",
    [
        ({"kind": "categorical"}, "missing field 'choices'"),
        ({"kind": "categorical", "choices": ["a"]}, "at least two choices"),
        ({"kind": "categorical", "choices": "ab"}, "choices must be a list"),
        ({"kind": "categorical", "choices": ["a", "a"]}, "distinct"),
        ({"kind": "categorical", "choices": [1, 1.0]}, "distinct"),
        ({"kind": "categorical", "choices": [[1], 2]}, "not a string, number or boolean"),
        ({"kind": "categorical", "choices": ["a", "b"], "low": 0}, "not low/high/log"),
        ({"kind": "float", "low": 0, "high": 1, "choices": ["a", "b"]}, "only a categorical has choices"),
        ({"kind": "float", "low": "0", "high": 1}, "low must be a number"),
    ],
)
def test_malformed_categoricals_are_refused_in_one_line(fields, pattern):
    with pytest.raises(SpaceError, match=pattern):
        SearchSpace.from_dict({"h": fields})
