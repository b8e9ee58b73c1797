"""Run tiny_task.py against Inspect AI's mockllm/model, offline (called by ../regenerate.sh).

mockllm/model counts tokens with tiktoken's o200k_base encoding, which tiktoken downloads on first
use; giving the mock its outputs with their usage already set (``custom_outputs``) skips that
count, so the run needs no network. Every sample gets mockllm's default answer.
"""

import sys

from inspect_ai import eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

ANSWER = "Default output from mockllm/model"
SAMPLES = 5


def main(log_dir: str) -> None:
    outputs = []
    for _ in range(SAMPLES):
        output = ModelOutput.from_content("mockllm/model", ANSWER)
        output.usage = ModelUsage(input_tokens=8, output_tokens=len(ANSWER), total_tokens=8 + len(ANSWER))
        outputs.append(output)
    model = get_model("mockllm/model", custom_outputs=outputs)
    [log] = eval("tiny_task.py", model=model, log_dir=log_dir, display="none", max_connections=1)
    print(log.location)


if __name__ == "__main__":
    main(sys.argv[1])
