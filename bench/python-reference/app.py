"""The original services' health endpoint, as a FastAPI app (reference only)."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
