"""Run localstripe (a fake Stripe API server) on 127.0.0.1 only, with state kept in memory.

TEST/DEV SUPPORT ONLY — never imported by the site. localstripe's own CLI listens on
all interfaces and pickles its state to /tmp on every write; this launcher does neither.

    python -m devtools.localstripe_server --port 8420
"""

import argparse
import logging

from aiohttp import web
from localstripe import resources, server


def build_app() -> web.Application:
    resources.Store.dump_to_disk = lambda self: None  # keep state in memory only
    return server.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(build_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
