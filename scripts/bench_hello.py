"""The baseline for `make bench`: a bare Flask "hello world", served by the same gunicorn
settings as Onward, so the bench can report Onward's routes relative to the cost of
Flask + gunicorn alone on this machine."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
