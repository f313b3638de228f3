"""json_roundtrip.py - the python-json workload: builds N records (dicts of an
int, a string and a list), round-trips them through json text, and checks
the result. Run with PYTHONMALLOC=malloc PYTHONHASHSEED=0 so that every
object is a malloc call and runs repeat exactly. Usage: json_roundtrip.py [N]
"""
import json
import sys


def make_record(i):
    return {"id": i, "name": "user-%06d" % i, "tags": [i % 3, i % 5]}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    records = [make_record(i) for i in range(n)]
    text = json.dumps(records)
    back = json.loads(text)
    if back != records:
        sys.exit("json round trip changed the records")
    by_tag = {}
    for r in back:
        by_tag.setdefault(r["tags"][0], []).append(r["id"])
    if sum(len(v) for v in by_tag.values()) != n:
        sys.exit("tag index is wrong")


if __name__ == "__main__":
    main()
