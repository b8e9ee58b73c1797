"""A tiny Inspect AI task over a local JSONL dataset, run against mockllm/model by regenerate.sh.

mockllm/model answers every prompt with "Default output from mockllm/model", so the samples whose
target occurs in that sentence pass and the others fail: a known mix of outcomes.
"""

from inspect_ai import Task, task
from inspect_ai.dataset import json_dataset
from inspect_ai.scorer import includes
from inspect_ai.solver import generate


@task
def tiny_echo() -> Task:
    return Task(
        dataset=json_dataset("tiny.jsonl"),
        solver=generate(),
        scorer=includes(),
        version=3,
    )
