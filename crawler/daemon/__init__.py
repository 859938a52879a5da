"""`rasid daemon`: every enabled site crawled on its schedule (scheduler.py), alerts delivered
(alerts.py).

APScheduler keeps each site's job in the store by reference, `crawler.daemon:run_site_job`: stores
written by earlier versions hold that name, so it stays here whatever the modules are called."""

from crawler.daemon.scheduler import run_site_job

__all__ = ["run_site_job"]
