"""Run localstripe (a fake Stripe API server) on 127.0.0.1 only, with Servizo's test-support extension.

TEST/DEV SUPPORT ONLY — never imported by the site. localstripe's own CLI listens on
all interfaces and pickles its state to /tmp on every write; this launcher keeps state in
memory, or in `--state-file` when given (so a test can stop and restart the server).

    python -m devtools.localstripe_server --port 8420
"""

import argparse
import logging
import pickle
from pathlib import Path

from aiohttp import web
from localstripe import resources, server

from devtools import localstripe_connect


def build_app(state_file: Path | None = None) -> web.Application:
    store_cls = resources.Store
    if state_file is None:
        store_cls.dump_to_disk = lambda self: None  # keep state in memory only
    else:

        def dump_to_disk(self) -> None:
            tmp = state_file.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(dict(self), protocol=pickle.HIGHEST_PROTOCOL))
            tmp.replace(state_file)

        store_cls.dump_to_disk = dump_to_disk
        if state_file.exists():
            dict.update(resources.store, pickle.loads(state_file.read_bytes()))
    localstripe_connect.install(server.app)
    return server.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state-file", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(build_app(args.state_file), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
