"""CPU seconds used so far by each part of the prod-local stack, as JSON; with two
snapshots (`--since FILE`), the cores each part used in between. bench/loadtest.sh calls it around
each step. MariaDB and Redis are shared with everything else on the machine: their figure is an
upper bound for the stack's share."""

import argparse
import json
import subprocess
import time
from pathlib import Path

PARTS = {
    "gunicorn": "gunicorn servizo.wsgi:application --bind 127.0.0.1:9501",
    "daphne": "daphne --bind 127.0.0.1 --port 9502",
    "celery worker": "celery --app servizo worker",
    "nginx": "nginx: ",
    "localstripe": "localstripe_server --port 9520",
    "mariadb (shared)": "mariadbd",
    "redis (shared)": "redis-server",
}


def snapshot() -> dict:
    seconds = dict.fromkeys(PARTS, 0)
    out = subprocess.run(["ps", "-eo", "times=,args="], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        used, _, args = line.strip().partition(" ")
        for part, pattern in PARTS.items():
            if pattern in args:
                seconds[part] += int(used)
                break
    return {"at": time.time(), "cpu": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", type=Path)
    args = parser.parse_args()
    now = snapshot()
    if args.since is None:
        print(json.dumps(now))
        return
    before = json.loads(args.since.read_text())
    wall = now["at"] - before["at"]
    used = {part: (now["cpu"][part] - before["cpu"].get(part, 0)) / wall for part in PARTS}
    print("    cores used: " + ", ".join(f"{part} {cores:.2f}" for part, cores in used.items() if cores > 0))


if __name__ == "__main__":
    main()
