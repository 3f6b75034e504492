"""
How long ``submissions.bounded_json.loads`` takes on the worst texts a request body can hold (prints figures; not a
test). The body cap is ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB by default); each text is parsed or refused, and the
time is the median of ``--repeat`` runs, beside ``json.loads`` where it can parse the text at all.

    python bench/bounded_json_worst.py [--repeat 5]
"""

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from submissions.bounded_json import loads  # noqa: E402

TEXTS = {
    "2.5 MB of '[' (refused: too deep)": "[" * 2_500_000,
    "the most brackets a valid 2.5 MB body holds": "[" + "[]," * 833_000 + "[]]",
    "an unterminated string of escaped quotes (refused)": '"' + '\\"' * 1_250_000,
    "one 2.5 MB string": '["' + "x" * 2_500_000 + '"]',
    "'1' and 400 zeros (refused: number too long)": "1" + "0" * 400,
}


def timed(parse, text, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(ValueError, RecursionError):  # refused: the time to refuse is what counts
            parse(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name, text in TEXTS.items():
        ours = timed(loads, text, args.repeat)
        theirs = timed(json.loads, text, args.repeat)
        print(f"{name}: bounded_json {ours * 1000:.1f} ms, json.loads {theirs * 1000:.1f} ms")


if __name__ == "__main__":
    main()
