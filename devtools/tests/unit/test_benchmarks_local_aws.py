"""own_local_aws: the emulators stopped by PID on every exit, the work dir removed only after a passing run."""

import os
import sys
from pathlib import Path

import pytest
from shop_devtools.benchmarks.local_aws import OwnLocalAws, own_local_aws
from shop_devtools.emulators import EmulatorEndpoints
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import LocalAws

KEPT = "logs kept in {work_dir}"


class Emulators:
    """A `start` that runs a real sleeping child in place of LocalStack, so stopping it can be seen."""

    def __init__(self) -> None:
        self.processes: list[ManagedProcess] = []
        self.work_dirs: list[Path] = []

    def __call__(self, work_dir: Path) -> LocalAws:
        self.work_dirs.append(work_dir)
        command = [sys.executable, "-c", "import time; time.sleep(60)"]
        process = ManagedProcess("localstack", command, env=dict(os.environ), log_file=work_dir / "localstack.log")
        self.processes.append(process)
        return LocalAws(EmulatorEndpoints(localstack_port=45661, dynamodb_port=45671), started=[process])


def run(tmp_path: Path, *, ok: bool, keep_logs: bool = False, raise_: BaseException | None = None) -> Emulators:
    emulators = Emulators()
    with own_local_aws("test-", parent=tmp_path, keep_logs=keep_logs, kept_message=KEPT, start=emulators) as local:
        assert isinstance(local, OwnLocalAws)
        assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:45661"
        assert local.work_dir.parent == tmp_path
        assert local.work_dir.name.startswith("test-")
        local.ok = ok
        if raise_ is not None:
            raise raise_
    return emulators


def test_a_passing_run_removes_its_work_dir_and_stops_the_emulators(tmp_path, capsys) -> None:
    before = os.environ.get("AWS_ENDPOINT_URL")
    emulators = run(tmp_path, ok=True)
    assert not emulators.work_dirs[0].exists()
    assert not emulators.processes[0].running()
    assert os.environ.get("AWS_ENDPOINT_URL") == before
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("ok", "keep_logs"), [(False, False), (True, True), (False, True)])
def test_a_failed_run_or_keep_logs_keeps_the_work_dir_and_says_where(tmp_path, capsys, ok, keep_logs) -> None:
    emulators = run(tmp_path, ok=ok, keep_logs=keep_logs)
    work_dir = emulators.work_dirs[0]
    assert work_dir.is_dir()
    assert not emulators.processes[0].running()
    assert capsys.readouterr().err == f"logs kept in {work_dir}\n"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_exception_or_ctrl_c_stops_the_emulators_and_keeps_the_logs(tmp_path, capsys, error) -> None:
    emulators = Emulators()
    with (
        pytest.raises(type(error)),
        own_local_aws("test-", parent=tmp_path, keep_logs=False, kept_message=KEPT, start=emulators) as local,
    ):
        assert not local.ok
        raise error
    assert not emulators.processes[0].running()
    assert emulators.work_dirs[0].is_dir()
    assert capsys.readouterr().err == f"logs kept in {emulators.work_dirs[0]}\n"


def test_before_start_sees_the_work_dir_before_the_emulators_start(tmp_path) -> None:
    seen: list[tuple[Path, int]] = []
    emulators = Emulators()
    with own_local_aws(
        "test-",
        parent=tmp_path,
        keep_logs=False,
        kept_message=KEPT,
        start=emulators,
        before_start=lambda work_dir: seen.append((work_dir, len(emulators.processes))),
    ) as local:
        local.ok = True
    assert seen == [(emulators.work_dirs[0], 0)]
