"""The Coalition project package and the network's frame."""

from coalition.celery import app as celery_app

__all__ = ("celery_app",)
