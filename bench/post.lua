-- wrk script: POST /invoke with a 1 KB JSON event, as FC sends it.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_EVENT")
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["x-fc-control-path"] = "/invoke"
wrk.headers["x-fc-request-id"] = "1-67adb489-15d49184-2d4fa002fa2b"
