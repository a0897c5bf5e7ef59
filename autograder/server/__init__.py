"""The grading server: students upload submissions over HTTP, workers grade them.

``store`` keeps everything in SQLite under a data directory; ``queue`` hands jobs to
workers with leases so that a killed worker's job is graded again; ``workers`` runs the
local worker processes and ``celery_app`` the same task on Celery; ``app`` is the
FastAPI application with the student and instructor pages.
"""
