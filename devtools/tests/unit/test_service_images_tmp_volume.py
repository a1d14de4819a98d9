"""The service images declare /tmp as a world-writable volume, the path ECS mounts a task volume at (issue 17 item 3).

ECS runs the containers with a read-only root filesystem as user 10001; /tmp is their only writable path. Fargate
creates that bind mount with the owner and mode of the image's VOLUME at the same path, and root-owned 0755
without one. Read from the Dockerfiles, no engine needed.
"""

from __future__ import annotations

import re

import pytest
from shop_devtools.paths import REPO_ROOT
from shop_devtools.services import SERVICES

ECS_SERVICE_MODULE = REPO_ROOT / "infra" / "terraform" / "modules" / "ecs-service" / "main.tf"


def final_stage_instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(keyword, arguments) of the last stage's instructions, continuation lines joined, comments left out."""
    logical = re.sub(r"\\\n", " ", dockerfile)
    instructions = [
        (keyword.upper(), arguments.strip())
        for keyword, arguments in re.findall(r"^\s*([A-Za-z]+)\s+(.*)$", logical, re.MULTILINE)
    ]
    last_from = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def tmp_volume_problems(dockerfile: str) -> list[str]:
    """What keeps the runtime stage's /tmp from being a world-writable volume; empty when it is one."""
    instructions = final_stage_instructions(dockerfile)
    volumes = [index for index, (keyword, _) in enumerate(instructions) if keyword == "VOLUME"]
    if [instructions[index][1] for index in volumes] != ['["/tmp"]']:
        return ['the runtime stage needs exactly one VOLUME ["/tmp"]']
    before, after = instructions[: volumes[0]], instructions[volumes[0] + 1 :]
    problems = []
    if not any(keyword == "RUN" and re.search(r"\bchmod 1777 /tmp\b", arguments) for keyword, arguments in before):
        problems.append("no RUN chmod 1777 /tmp before the VOLUME")
    # A build step after VOLUME cannot change the volume's content or mode any more.
    if any(keyword in {"RUN", "COPY", "ADD"} and "/tmp" in arguments for keyword, arguments in after):
        problems.append("a step after the VOLUME touches /tmp")
    return problems


@pytest.mark.parametrize("name", list(SERVICES))
def test_the_runtime_image_declares_tmp_as_a_volume_after_making_it_world_writable(name: str) -> None:
    assert tmp_volume_problems((REPO_ROOT / "services" / name / "Dockerfile").read_text()) == []


def test_the_task_definition_mounts_its_task_volume_where_the_images_declare_it() -> None:
    module = ECS_SERVICE_MODULE.read_text()
    assert 'mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]' in module
    assert "readonlyRootFilesystem = true" in module


@pytest.mark.parametrize(
    ("runtime_stage", "problems"),
    [
        ("RUN useradd shop\n", ['the runtime stage needs exactly one VOLUME ["/tmp"]']),
        ("VOLUME /tmp\n", ['the runtime stage needs exactly one VOLUME ["/tmp"]']),
        ('RUN mkdir -p /tmp\nVOLUME ["/tmp"]\n', ["no RUN chmod 1777 /tmp before the VOLUME"]),
        # The mode set after the declaration: Docker discards it, Fargate would mount root-owned 0755.
        (
            'VOLUME ["/tmp"]\nRUN chmod 1777 /tmp\n',
            ["no RUN chmod 1777 /tmp before the VOLUME", "a step after the VOLUME touches /tmp"],
        ),
        ('RUN chmod 1777 /tmp\nVOLUME ["/tmp"]\nCOPY cache /tmp/cache\n', ["a step after the VOLUME touches /tmp"]),
    ],
)
def test_a_missing_or_misplaced_declaration_is_reported(runtime_stage: str, problems: list[str]) -> None:
    # The build stage's instructions do not count: only the image that runs is mounted.
    build_stage = 'FROM python:3.13-slim AS build\nRUN chmod 1777 /tmp\nVOLUME ["/tmp"]\n'
    dockerfile = f"{build_stage}FROM python:3.13-slim\n{runtime_stage}"
    assert tmp_volume_problems(dockerfile) == problems
