"""moto's server on a single thread, as the tests' DynamoDB.

moto undoes a failed TransactWriteItems by restoring a copy of the table taken when the
transaction began. With requests handled on several threads, that restore also undoes
writes that other requests made in between, which DynamoDB never does. Handling one
request at a time makes every transaction run alone, as DynamoDB's serializable
transactions appear to.

Usage: python3 scripts/moto_server.py HOST PORT
"""

import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False)


if __name__ == "__main__":
    main()
