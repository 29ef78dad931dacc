"""The test lab itself: real nginx proxies to real backends, and a stopped backend refuses."""

import httpx


def test_nginx_round_robins_between_two_real_backends(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = lab.nginx(
        "upstream apps { server %s; server %s; }\n"
        "server { listen 127.0.0.1:{port}; location / { proxy_pass http://apps; "
        "add_header X-Upstream $upstream_addr always; } }" % (app1.address, app2.address)
    )
    seen = [httpx.get(f"http://127.0.0.1:{proxy.port}/", timeout=3).headers["x-app"] for _ in range(4)]
    assert seen == ["app1", "app2", "app1", "app2"]
    proxy.wait_idle(logged=4)  # a worker writes the log line after it sends the answer
    log = proxy.access_log()
    assert [row["upstream_addr"] for row in log] == [app1.address, app2.address] * 2
    app2.stop()
    statuses = [httpx.get(f"http://127.0.0.1:{proxy.port}/", timeout=5).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
