"""live/checks.py's one way to the proxy machine and to a proxied answer's verdict (no traffic is sent)."""

from __future__ import annotations

import httpx
import pytest

from tutor.live.checks import Context, proxy_status_result
from tutor.live.hosts import Machine, Machines
from tutor.live.probe import Probe


async def test_a_proxy_check_without_a_proxy_is_refused_by_name_not_by_attribute_error():
    async with httpx.AsyncClient() as client:
        ctx = Context(client=client, machines=Machines(by_role={}))
        with pytest.raises(LookupError):
            ctx.proxy


async def test_an_unanswered_request_through_the_proxy_fails_as_its_failure():
    proxy = Machine(role="proxy", host="10.37.19.64", port=80)
    async with httpx.AsyncClient() as client:
        ctx = Context(client=client, machines=Machines(by_role={"proxy": proxy}), lang="en")
        refused = proxy_status_result(ctx, "proxy-pass", Probe(url="http://10.37.19.64/", failure="refused"))
        answered = proxy_status_result(ctx, "proxy-pass", Probe(url="http://10.37.19.64/", status=200, body=b"app"))
    assert refused is not None and (refused.ok, refused.code) == (False, "refused")
    assert answered is None
