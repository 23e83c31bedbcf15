"""The web app: the HTTP API and the reviewer UI (FastAPI, server-rendered Jinja2)."""
