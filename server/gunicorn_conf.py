"""gunicorn's settings: ``gunicorn --config python:server.gunicorn_conf`` (``make run`` does).

Threaded workers (gthread): each worker serves ``WEB_THREADS`` requests at once, and a connection
that has sent nothing yet waits in the worker's event loop, not in a thread. A client sending its
request slowly still holds a thread while it does, so ``WEB_CONCURRENCY`` * ``WEB_THREADS`` such
clients would stall the server: in production a reverse proxy that buffers requests stands in
front (docs/deployment.md).
"""

import os

from server.api.proxies import trusted_networks

wsgi_app = "server.wsgi"
bind = [f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# Threads cost little memory, and a worker's threads wait for the database and the network, not
# only for the interpreter; each may keep a database connection (DATABASE_CONN_MAX_AGE).
threads = int(os.environ.get("WEB_THREADS", "16"))
# A worker whose event loop does not report for this long is restarted. With threads, a slow
# request does not stop the loop: the statement time limit and the bounds on a write are what
# keep a request short (docs/security.md).
timeout = 30
graceful_timeout = 30
# Idle kept-alive connections wait in the event loop; 5 s is enough for a client's next request.
keepalive = 5
# Only the proxies Django trusts may set the scheme (X-Forwarded-Proto) for gunicorn too; none by
# default, so that no client on the machine can.
forwarded_allow_ips = ",".join(
    str(network) for network in trusted_networks(os.environ.get("DETENTE_TRUSTED_PROXIES", ""))
)
# No control socket (gunicorn 25.1+): nothing here manages workers at run time, and every server
# on the machine would otherwise claim the same path in the home directory.
control_socket_disable = True
