"""The job queue's consumer entry point: `huey_consumer webapp.worker.huey` (Procfile).

It imports every module that defines tasks, so the consumer knows them all, and hands the
queue the app factory its tasks run in (ONWARD_ENV picks the config).
"""

from webapp import create_app, mail, tasks
from webapp.account import tasks as account_tasks
from webapp.auth import tasks as auth_tasks
from webapp.reminders import tasks as reminder_tasks
from webapp.share import tasks as share_tasks

tasks.use_app_factory(create_app)
huey = tasks.huey

__all__ = ["account_tasks", "auth_tasks", "huey", "mail", "reminder_tasks", "share_tasks"]
