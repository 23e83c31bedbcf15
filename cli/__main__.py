"""Allow ``python -m cli``."""

from cli.main import app

if __name__ == "__main__":  # not again in a process that multiprocessing starts
    app(prog_name="transdraft")
