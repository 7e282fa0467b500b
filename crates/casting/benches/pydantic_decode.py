"""pydantic on the records of `cargo bench -p sixtyfour-casting --bench decode`.

Reads the JSONL file the bench writes (one service-shaped record per line) and prints one JSON
line: nanoseconds per record for `TypeAdapter.validate_python` (lax mode, records already
parsed into dicts) and `TypeAdapter.validate_json` (from each record's bytes), each both one
record per call and the whole batch in one call. The bench runs this script itself when
`python3` can import pydantic; run by hand: `python3 pydantic_decode.py RECORDS.jsonl`.
"""

import gc
import json
import sys
import time

from pydantic import BaseModel, Json, TypeAdapter


class Lead(BaseModel):
    name: str
    email: str
    phone: str
    company: str
    title: str
    linkedin: str
    website: str
    location: str
    employees: int
    score: float
    verified: bool
    # The service sends lists as JSON text; `Json[...]` parses it, as sixtyfour's cast does.
    languages: Json[list[str]]


def best_of(rounds, run):
    """The fastest of `rounds` timed runs, in nanoseconds, with the cycle collector paused (the
    100,000 models kept alive would otherwise trigger it and slow pydantic down unfairly)."""
    best = None
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        start = time.perf_counter_ns()
        run()
        elapsed = time.perf_counter_ns() - start
        gc.enable()
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with open(path, "rb") as f:
        lines = [line.rstrip(b"\n") for line in f if line.strip()]
    dicts = [json.loads(line) for line in lines]
    one = TypeAdapter(Lead)
    many = TypeAdapter(list[Lead])
    batch_json = b"[" + b",".join(lines) + b"]"

    # Every record must validate, or the timings would measure errors.
    assert len(many.validate_python(dicts)) == len(dicts)
    first = one.validate_python(dicts[0])
    assert isinstance(first.employees, int) and isinstance(first.verified, bool)

    count = len(dicts)
    out = {
        "pydantic": __import__("pydantic").VERSION,
        "records": count,
        "validate_python_each": best_of(rounds, lambda: [one.validate_python(d) for d in dicts]) / count,
        "validate_python_batch": best_of(rounds, lambda: many.validate_python(dicts)) / count,
        "validate_json_each": best_of(rounds, lambda: [one.validate_json(b) for b in lines]) / count,
        "validate_json_batch": best_of(rounds, lambda: many.validate_json(batch_json)) / count,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
