"""The original service, as its seed describes it, for side-by-side benchmarks.

FastAPI 0.110.0 on Uvicorn 0.29.0 with prometheus_client 0.20.0: `/healthz`,
`/metrics`, the same three metrics as the cells (`hello_ai_requests_total`,
`hello_ai_request_duration_seconds`, `hello_ai_up`) and a middleware that
counts and times every request. Written here from that description; it is
the yardstick, not part of vpm.

Run: uvicorn app:app --host 127.0.0.1 --port 8000
"""

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

app = FastAPI()

REQUESTS = Counter("hello_ai_requests_total", "HTTP requests", ["route", "method", "code"])
DURATION = Histogram(
    "hello_ai_request_duration_seconds",
    "Request duration",
    ["route", "method"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UP = Gauge("hello_ai_up", "1 while serving")
UP.set(1)


@app.middleware("http")
async def count_requests(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = route.path if route is not None else "unmatched"
    DURATION.labels(template, request.method).observe(time.perf_counter() - started)
    REQUESTS.labels(template, request.method, str(response.status_code)).inc()
    return response


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.get("/metrics")
async def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
