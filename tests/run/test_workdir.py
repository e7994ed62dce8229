"""The workdir (jaxgan.run.workdir): config changes on resume, their history, atomic writes, creatable paths."""

from __future__ import annotations

import json
import os

import pytest

from jaxgan.run import workdir as workdir_lib


def test_config_changes_name_every_differing_leaf():
    old = {"steps": 10, "optim": {"lr": 1e-3, "b1": 0.5}, "empty": {}}
    new = {"steps": 20, "optim": {"lr": 1e-3}, "extra": {"x": 1}}
    assert workdir_lib.config_changes(old, new) == {
        "extra.x": {"from": "<absent>", "to": 1}, "optim.b1": {"from": 0.5, "to": "<absent>"},
        "steps": {"from": 10, "to": 20}}


def test_check_resume_allows_host_settings_and_refuses_the_rest_by_name():
    base = {"steps": 10, "log_every": 5, "batch_size": 8, "lr": 1.0, "b": 2, "c": 3, "data": {"tfds_data_dir": "a"}}
    allowed = {**base, "steps": 20, "log_every": 2, "data": {"tfds_data_dir": "b"}}
    assert set(workdir_lib.check_resume(base, allowed, "W")) == {"steps", "log_every", "data.tfds_data_dir"}
    with pytest.raises(workdir_lib.ConfigChangeError, match=r"^W was trained with batch_size=8 \(asked: 16\);"):
        workdir_lib.check_resume(base, {**base, "batch_size": 16}, "W")
    with pytest.raises(workdir_lib.ConfigChangeError, match=r"\(asked: 4\) and more;"):
        workdir_lib.check_resume(base, {**base, "batch_size": 16, "lr": 2.0, "b": 3, "c": 4}, "W")


def test_config_history_drops_rows_from_the_resumed_step_on(tmp_path):
    path = tmp_path / workdir_lib.CONFIG_HISTORY
    workdir_lib.record_config_changes(str(tmp_path), 3, {})
    assert not path.exists()  # nothing to record, no file
    change = {"steps": {"from": 1, "to": 2}}
    for step in (3, 6, 9):
        workdir_lib.record_config_changes(str(tmp_path), step, change)
    workdir_lib.record_config_changes(str(tmp_path), 6, {})  # a resume from step 6 that changed nothing
    assert [json.loads(line)["step"] for line in path.read_text().splitlines()] == [3]


def test_atomic_write_replaces_whole_files_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "f.json")
    workdir_lib.atomic_write(path, "old")
    workdir_lib.atomic_write(path, "new text\n")
    assert open(path).read() == "new text\n"
    workdir_lib.atomic_write(path, b"\x00\x01")
    assert open(path, "rb").read() == b"\x00\x01"
    workdir_lib.write_json(path, {"b": 1, "a": [1, 2]})
    assert open(path).read() == json.dumps({"a": [1, 2], "b": 1}, indent=2)
    assert os.listdir(tmp_path) == ["f.json"]


def test_check_creatable_creates_nothing_and_names_the_blocker(tmp_path):
    nested = tmp_path / "a" / "b"
    assert workdir_lib.check_creatable(str(nested)) == str(nested)
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(workdir_lib.WorkdirError, match="is not a directory"):
        workdir_lib.check_creatable(str(tmp_path / "file" / "w"))
    assert workdir_lib.prepare(str(nested)) == str(nested) and os.listdir(nested) == []
