"""moto's server on a single thread, as the tests' and benchmarks' DynamoDB.

moto undoes a failed TransactWriteItems by restoring a copy of the table taken when the
transaction began. With requests handled on several threads, that restore also undoes
writes that other requests made in between, which DynamoDB never does. Handling one
request at a time makes every transaction run alone, as DynamoDB's serializable
transactions appear to.

moto also keeps every model object it ever created in a list per class, for its
dashboard. Each transaction's copy of the table adds a copy of every item to those
lists, so memory grows with the table's size at every transaction and never comes back:
a thousand invitations into one table took more than 20 GiB. After each request, this
server empties those lists for DynamoDB's models; the tables themselves hold their
items, and nothing else reads the lists but moto's dashboard.

Usage: python3 scripts/moto_server.py HOST PORT
"""

import sys

from moto.core.model_instances import model_data
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def forgetting_dynamodb_instances(app):
    def wrapped(environ, start_response):
        try:
            yield from app(environ, start_response)
        finally:
            for model in model_data.get("dynamodb", {}).values():
                model.instances_tracked.clear()

    return wrapped


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, forgetting_dynamodb_instances(app), threaded=False)


if __name__ == "__main__":
    main()
