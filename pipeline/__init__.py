"""The domain: fetch, extract, translate, compose, and the storage they write to.

Nothing here imports Celery or the web framework.
"""
