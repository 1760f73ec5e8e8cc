"""gunicorn settings of one Jixiao app node: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Each node is one gunicorn master (systemd `jixiao-web@PORT`), several of them behind nginx.
Everything a site changes comes from the environment (deploy/jixiao.env.example).
"""

import multiprocessing
import os

# One node per port: `jixiao-web@8001` binds 127.0.0.1:8001 (JIXIAO_BIND overrides it).
bind = [os.environ.get("JIXIAO_BIND", "127.0.0.1:8001")]

# Sync workers: each request holds one database connection; the pool default (5 + 10 overflow)
# per worker must fit PostgreSQL's max_connections across every node.
workers = int(
    os.environ.get("JIXIAO_WEB_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8)))
)
worker_class = "sync"
timeout = int(os.environ.get("JIXIAO_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Workers are renewed now and then so that a slow leak cannot grow for months.
max_requests = 2000
max_requests_jitter = 200

# The app is imported in each worker, after the fork: no database connection is shared.
preload_app = False

# Only nginx on this host talks to gunicorn; the app's ProxyFix (JIXIAO_TRUSTED_PROXIES=1)
# reads X-Forwarded-* and gunicorn trusts them from loopback only.
forwarded_allow_ips = "127.0.0.1,::1"

# Requests larger than nginx lets through never reach here; these bound the header part.
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("JIXIAO_ACCESS_LOG", "-")
errorlog = os.environ.get("JIXIAO_ERROR_LOG", "-")
loglevel = os.environ.get("JIXIAO_LOG_LEVEL", "info")
# The client address is the one nginx saw (X-Forwarded-For), never a query string's secrets.
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
proc_name = "jixiao-web"
