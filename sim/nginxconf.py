"""Read a learner's nginx config and map its upstream onto a Scenario.

The config is tokenised by sim/nginxlex.py (nginx's own tokenizer, quirks included) and parsed
here the way nginx does it (one pass, includes read where they stand), so that the first error
is the one `nginx -t` reports, as `file:line: message` with nginx's own wording. Checked:
syntax, directive context and argument counts (crossplane's tables), directives no module has,
and the directives the simulator models: `upstream` + `server` parameters, balancing methods,
`proxy_pass`, `proxy_next_upstream[_tries]`, `proxy_connect_timeout`, `proxy_read_timeout`,
`worker_processes`, `zone`. Other directives are accepted without a closer look.

Where nginx itself crashes (an include loop) or the input is beyond the simulator (more than
MAX_CONFIG_BYTES, includes nested deeper than MAX_INCLUDE_DEPTH), the error is our own, one line.

Host names cannot be resolved offline: IP addresses (also the forms getaddrinfo() reads, such as
`127.1`), `localhost` and names with a dot are accepted; a name without a dot that is no
`upstream` gives nginx's `host not found in upstream` (it is almost always a misspelt upstream name).
"""

from __future__ import annotations

import errno
import glob
import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from crossplane.analyzer import CONTEXTS, DIRECTIVES, analyze, enter_block_ctx
from crossplane.errors import NgxParserBaseException

from sim.files import read_limited
from sim.nginxlex import LexError, directives
from sim.scenario import Scenario, ScenarioError, Server, validate

NEXT_UPSTREAM_VALUES = ("error", "timeout", "invalid_header", "http_500", "http_502", "http_503",
                        "http_504", "http_403", "http_404", "http_429", "non_idempotent", "off")
# Server parameters each balancing method accepts (nginx's NGX_HTTP_UPSTREAM_* flags).
_NO_BACKUP_METHODS = ("ip_hash", "random", "random_two_least_conn", "hash")
_DEFAULT_CONFIG_DIR = "/etc/nginx/"
_Handler = Callable[[str, str, list[str], int, tuple[str, ...]], None]
"""A directive's handler: (file, name, args, line, context)."""
MAX_CONFIG_BYTES = 4_000_000
"""All files of one config together; a learner's whole /etc/nginx is a few tens of kilobytes."""
MAX_INCLUDE_DEPTH = 64


class NginxConfError(ValueError):
    """A config nginx would reject (or the simulator cannot model); `str()` is `file:line: message`.

    What nginx rejects carries nginx's own words (as `nginx -t` prints them, so `code` is None);
    what only the simulator refuses carries a `code` of `TEXTS` and its `values`, which tutor
    shows in the learner's language."""

    TEXTS = {
        "too_big": "the config is larger than {limit:,} bytes (the simulator's limit)",
        "include_loop": 'include loop: "{included}" is already being read ({chain}); nginx itself would crash on it',
        "include_depth": "includes nested more than {limit} deep (the simulator's limit)",
        "no_proxy_pass": "no proxy_pass found: the simulator needs a location that proxies to an app",
        "proxy_pass_variables": "proxy_pass with variables is not modelled by the simulator",
        "hash": '"hash" balancing is not modelled by the simulator (use round robin, least_conn, ip_hash or random)',
        "no_workers": "worker_processes 0: nginx starts no worker process, so nothing would answer "
                      "(the simulator needs at least 1)",
    }

    def __init__(self, file: str, line: int | None, message: str = "", code: str | None = None,
                 **values: object) -> None:
        if code is not None:
            message = self.TEXTS[code].format(**values)
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.message = file, line, message
        self.code, self.values = code, values


@dataclass(frozen=True)
class UpstreamServer:
    """One `server` line of an upstream (or the address of a plain `proxy_pass`)."""

    address: str
    weight: int = 1
    max_fails: int = 1
    fail_timeout: float = 10.0
    max_conns: int = 0
    backup: bool = False
    down: bool = False


@dataclass(frozen=True)
class ProxySetup:
    """What the chosen `proxy_pass` does: its server group and the proxy settings that apply.

    `upstream` is the group's name, or None for a direct `proxy_pass http://IP:port` (a group of
    one). `workers` is None when the file has no main context (a snippet such as conf.d/x.conf).
    """

    file: str
    line: int
    upstream: str | None
    servers: tuple[UpstreamServer, ...]
    policy: str = "round_robin"
    next_upstream: tuple[str, ...] = ("error", "timeout")
    next_upstream_tries: int = 0
    connect_timeout: float = 60.0
    read_timeout: float = 60.0
    workers: int | None = None
    zone: bool = False


@dataclass(frozen=True)
class MappingNote:
    """Something the mapping did that the learner should know; `code` is language-neutral."""

    code: str  # "not_in_upstream" | "event_dropped" | "added_server"
    server: str
    address: str = ""
    action: str = ""
    at: float = 0.0


# --------------------------------------------------------------------------- reading


def read_nginx_config(path: str | Path, root: str | Path | None = None) -> ProxySetup:
    """Parse the config at `path` (with its includes) and return the proxy setup it describes.

    Raises NginxConfError for what `nginx -t` would reject, for a config without `proxy_pass`,
    and for balancing the simulator does not model (`hash`, variables in `proxy_pass`).
    `root`: a folder holding a copy of another machine's files (an `nginx -T` dump); every
    include is read inside it (absolute paths are taken as the copy's), never outside.
    """
    return check_nginx_config(path, root).setup()


def check_nginx_config(path: str | Path, root: str | Path | None = None) -> _Reader:
    """What `nginx -t` does: parse the config and its includes, raising NginxConfError on the first error."""
    reader = _Reader(Path(path), None if root is None else Path(root))
    reader.read()
    return reader


@dataclass
class _Upstream:
    name: str
    file: str
    line: int
    explicit: bool = False
    servers: list[UpstreamServer] = field(default_factory=list)
    policy: str = "round_robin"
    policy_line: int = 0
    zone: bool = False


@dataclass
class _ProxyPass:
    file: str
    line: int
    host: str
    port: int | None      # as written; None when the URL has none
    default_port: int     # 80 for http://, 443 for https://
    has_vars: bool
    chain: list[dict]  # the proxy settings of each enclosing block, outermost first


class _Reader:
    """One pass over the config and its includes, like ngx_conf_parse()."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        self.main = path
        self.root = Path(os.path.realpath(root)) if root is not None else None
        self.main_dir = path.resolve().parent if path.exists() else path.parent
        self.upstreams: dict[str, _Upstream] = {}
        self.passes: list[_ProxyPass] = []
        self.blocks: list[dict] = []          # proxy settings per open block
        self.workers: int | None = None
        self.current_upstream: _Upstream | None = None
        self.bytes_read = 0
        self.including: list[str] = []        # the chain of files being read (include loops)

    # ---- parsing ---------------------------------------------------------------

    def read(self) -> None:
        file = str(self.main)
        if self.root is not None and not _inside(file, self.root):
            raise NginxConfError(file, None, "no such file")
        try:
            data = self._load(file)
        except NginxConfError:
            raise
        except FileNotFoundError:
            raise NginxConfError(file, None, "no such file") from None
        except OSError as exc:  # a folder, a pipe, a device: not a config file
            raise NginxConfError(file, None, exc.strerror or str(exc)) from None
        ctx = self._base_context(data)
        if ctx == ():
            self.workers = 1  # nginx's default for a whole nginx.conf
        self.blocks.append({})
        self.including.append(os.path.realpath(file))
        self._parse_file(file, data, ctx)
        self._check_after_parse()

    def _load(self, file: str) -> bytes:
        """The bytes of a config file, counted against MAX_CONFIG_BYTES for the whole config."""
        try:
            data = read_limited(file, MAX_CONFIG_BYTES - self.bytes_read, devices_as_empty=True)
        except OSError as exc:
            if exc.errno == errno.EFBIG:
                raise NginxConfError(file, None, code="too_big", limit=MAX_CONFIG_BYTES) from None
            raise
        self.bytes_read += len(data)
        return data

    @staticmethod
    def _base_context(data: bytes) -> tuple[str, ...]:
        """() for a whole nginx.conf; ('http',) for a snippet of server/upstream blocks."""
        depth, names = 0, set()
        try:
            for words, term, _ in directives(data):
                if words and depth == 0:
                    names.add(words[0])
                depth += {"{": 1, "}": -1}.get(term, 0)
        except LexError:
            pass
        if names & {"http", "events", "worker_processes", "user", "pid", "load_module"}:
            return ()
        if "location" in names:
            return ("http", "server")
        return ("http",)

    def _parse_file(self, file: str, data: bytes, ctx: tuple[str, ...]) -> None:
        """Read one file's directives like ngx_conf_parse(); blocks nest without recursion."""
        opened: list[tuple[str, tuple[str, ...]]] = []  # (name, outer context) of the open blocks
        try:
            for words, term, line in directives(data):
                if term == "":
                    if opened:
                        raise NginxConfError(file, line, 'unexpected end of file, expecting "}"')
                    return
                if term == "}":
                    if not opened:
                        raise NginxConfError(file, line, 'unexpected "}"')
                    name, ctx = opened.pop()
                    self._close(file, name, line, ctx)
                    continue
                name, args = words[0], words[1:]
                inner = self._directive(file, name, args, line, term, ctx)
                if inner is not None:
                    opened.append((name, ctx))
                    ctx = inner
        except LexError as exc:
            raise NginxConfError(file, exc.line, exc.message) from None

    def _directive(self, file: str, name: str, args: list[str], line: int, term: str,
                   ctx: tuple[str, ...]) -> tuple[str, ...] | None:
        """Check and apply one directive; returns the context inside it when it opens a block."""
        stmt = {"directive": name, "line": line, "args": args}
        self._check_known(file, name, line, ctx)
        try:
            analyze(file, stmt, term, ctx, strict=False, check_ctx=True, check_args=True)
        except NgxParserBaseException as exc:
            raise NginxConfError(file, line, exc.strerror) from None
        if term == ";":
            self._simple(file, name, args, line, ctx)
            return None
        self._open(file, name, args, line, ctx)
        return enter_block_ctx(stmt, ctx)

    def _check_known(self, file: str, name: str, line: int, ctx: tuple[str, ...]) -> None:
        """A directive no nginx module has (crossplane's table knows them all) is unknown.

        Inside blocks whose lines are data, not directives (map, types, geo, ...), nothing is
        checked. nginx prints the name up to its first NUL byte.
        """
        if name in DIRECTIVES or ctx not in CONTEXTS:
            return
        raise NginxConfError(file, line, f'unknown directive "{name.split(chr(0))[0]}"')

    # ---- blocks ------------------------------------------------------------------

    def _open(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        self.blocks.append({})
        if name == "upstream" and ctx == ("http",):
            key = args[0].lower()
            existing = self.upstreams.get(key)
            if existing is not None and existing.explicit:
                raise NginxConfError(file, line, f'duplicate upstream "{args[0]}"')
            upstream = existing or _Upstream(args[0], file, line)
            upstream.explicit, upstream.file, upstream.line = True, file, line
            self.upstreams[key] = upstream
            self.current_upstream = upstream

    def _close(self, file: str, name: str, end_line: int, ctx: tuple[str, ...]) -> None:
        self.blocks.pop()
        if name == "upstream" and ctx == ("http",):
            if not self._upstream().servers:
                raise NginxConfError(file, end_line, "no servers are inside upstream")
            self.current_upstream = None

    # ---- simple directives ---------------------------------------------------------

    def _upstream(self) -> _Upstream:
        """The upstream block being read (its directives are handled only inside one)."""
        upstream = self.current_upstream
        assert upstream is not None, "an upstream directive outside an upstream block"
        return upstream

    def _simple(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        handler: _Handler | None
        if name == "include":
            handler = self._include
        elif ctx == ():
            handler = {"worker_processes": self._worker_processes}.get(name)
        elif ctx == ("http", "upstream"):
            handler = {"server": self._server, "least_conn": self._method, "ip_hash": self._method,
                       "random": self._method, "hash": self._method, "zone": self._zone}.get(name)
        elif ctx[:1] == ("http",):
            handler = {"proxy_pass": self._proxy_pass, "proxy_next_upstream": self._next_upstream,
                       "proxy_next_upstream_tries": self._tries, "proxy_connect_timeout": self._timeout,
                       "proxy_read_timeout": self._timeout}.get(name)
        else:
            handler = None
        if handler is not None:
            handler(file, name, args, line, ctx)

    def _include(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        pattern = args[0]
        if self.root is not None and os.path.isabs(pattern) and not _inside(pattern, self.root):
            pattern = str(self.root / pattern.lstrip("/"))  # the VM's /etc/nginx/... is in the dump
        elif not os.path.isabs(pattern):
            pattern = str(self.main_dir / pattern)
        names = self._expand(pattern)
        if not names and self.root is None and pattern.startswith(_DEFAULT_CONFIG_DIR) \
                and str(self.main_dir) != _DEFAULT_CONFIG_DIR[:-1]:
            # A copy of /etc/nginx in another folder: look there for the included files.
            names = self._expand(str(self.main_dir / pattern[len(_DEFAULT_CONFIG_DIR):]))
        if not names and not glob.has_magic(pattern):
            raise NginxConfError(file, line, f'open() "{pattern}" failed (2: No such file or directory)')
        for included in names:
            self._include_file(file, line, included, ctx)

    def _include_file(self, file: str, line: int, included: str, ctx: tuple[str, ...]) -> None:
        real = os.path.realpath(included)
        if real in self.including:
            chain = " -> ".join(os.path.basename(path) for path in [*self.including, real])
            raise NginxConfError(file, line, code="include_loop", included=included, chain=chain)
        if len(self.including) >= MAX_INCLUDE_DEPTH:
            raise NginxConfError(file, line, code="include_depth", limit=MAX_INCLUDE_DEPTH)
        try:
            data = self._load(included)
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                raise NginxConfError(included, None, f'pread() "{included}" failed (21: Is a directory)') from None
            raise NginxConfError(file, line, f'open() "{included}" failed ({exc.errno}: '
                                             f'{os.strerror(exc.errno) if exc.errno else exc})') from None
        self.including.append(real)
        self._parse_file(included, data, ctx)
        self.including.pop()

    def _expand(self, pattern: str) -> list[str]:
        """The files an include names (a glob's matches sorted, folders too: nginx fails on them)."""
        if glob.has_magic(pattern):
            found = sorted(glob.glob(pattern))
        else:
            found = [pattern] if os.path.lexists(pattern) else []
        if self.root is not None:  # a VM's dump: nothing of this machine is read
            found = [path for path in found if _inside(path, self.root)]
        return found

    def _server(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        upstream = self._upstream()
        params: dict = {}
        for arg in args[1:]:
            key, eq, value = arg.partition("=")
            number = _atoi(value)
            if eq and key == "weight" and number is not None and number > 0:
                params["weight"] = number
            elif eq and key in ("max_fails", "max_conns") and number is not None:
                params[key] = number
            elif eq and key == "fail_timeout" and _parse_time(value, seconds=True) is not None:
                params["fail_timeout"] = _parse_time(value, seconds=True)
            elif not eq and arg in ("backup", "down"):
                if arg == "backup" and upstream.policy in _NO_BACKUP_METHODS:
                    raise NginxConfError(file, line, f'balancing method does not support parameter "{arg}"')
                params[arg] = True
            else:
                raise NginxConfError(file, line, f'invalid parameter "{arg}"')
        address = _server_address(file, line, args[0])
        upstream.servers.append(UpstreamServer(address=address, **params))

    def _method(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        policy = name
        if name == "random":
            two = False
            for arg in args:
                if arg == "two" and not two:
                    two = True
                elif arg == "least_conn" and two:
                    pass
                else:
                    raise NginxConfError(file, line, f'invalid parameter "{arg}"')
            policy = "random_two_least_conn" if two else "random"
        upstream = self._upstream()
        upstream.policy = policy
        upstream.policy_line = line

    def _zone(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        self._upstream().zone = True

    def _proxy_pass(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        settings = self.blocks[-1]
        if "proxy_pass" in settings:
            raise NginxConfError(file, line, '"proxy_pass" directive is duplicate')
        settings["proxy_pass"] = True
        url = args[0]
        scheme = next((s for s in ("http://", "https://") if url[:len(s)].lower() == s), None)
        if scheme is None:
            raise NginxConfError(file, line, "invalid URL prefix")
        rest = url[len(scheme):]
        if "$" in url:
            self.passes.append(_ProxyPass(file, line, "", None, 80, True, list(self.blocks)))
            return
        host, port = _split_host_port(file, line, rest, uri_allowed=True)
        default_port = 443 if scheme == "https://" else 80
        key = host.lower()
        if port is None and key not in self.upstreams:
            self.upstreams[key] = _Upstream(host, file, line)  # implicit until an upstream{} appears
        elif port is not None and key in self.upstreams and self.upstreams[key].explicit and port == 80:
            raise NginxConfError(file, line, f'upstream "{host}" may not have port 80')
        self.passes.append(_ProxyPass(file, line, host, port, default_port, False, list(self.blocks)))

    def _next_upstream(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        for arg in args:
            if arg not in NEXT_UPSTREAM_VALUES:
                raise NginxConfError(file, line, f'invalid value "{arg}"')
        values = self.blocks[-1].setdefault("proxy_next_upstream", [])
        values.extend(args)  # repeated directives add up (a bitmask in nginx)

    def _tries(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        settings = self.blocks[-1]
        if name in settings:
            raise NginxConfError(file, line, f'"{name}" directive is duplicate')
        number = _atoi(args[0])
        if number is None:
            raise NginxConfError(file, line, f'"{name}" directive invalid number')
        settings[name] = number

    def _timeout(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        settings = self.blocks[-1]
        if name in settings:
            raise NginxConfError(file, line, f'"{name}" directive is duplicate')
        millis = _parse_time(args[0], seconds=False)
        if millis is None:
            raise NginxConfError(file, line, f'"{name}" directive invalid value')
        settings[name] = millis / 1000.0

    def _worker_processes(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        value = args[0]
        if value == "auto":
            self.workers = 1  # multipass VMs get 1 CPU by default
        elif _atoi(value) is not None:  # 0 too: nginx -t accepts it (the mapping explains it)
            self.workers = _atoi(value)
        else:
            raise NginxConfError(file, line, '"worker_processes" directive invalid value')

    # ---- after the whole config ------------------------------------------------------

    def _check_after_parse(self) -> None:
        for upstream in self.upstreams.values():
            if upstream.explicit:
                if all(server.backup for server in upstream.servers):
                    raise NginxConfError(upstream.file, upstream.line,
                                         f'no servers in upstream "{upstream.name}"')
        for proxy in self.passes:
            if proxy.has_vars or self._group(proxy) is not None:
                continue
            if not _resolvable(proxy.host):
                raise NginxConfError(proxy.file, proxy.line, f'host not found in upstream "{proxy.host}"')

    def _group(self, proxy: _ProxyPass) -> _Upstream | None:
        upstream = self.upstreams.get(proxy.host.lower())
        if upstream is not None and upstream.explicit and (proxy.port in (None, 80)):
            return upstream
        return None

    # ---- the result --------------------------------------------------------------------

    def setup(self) -> ProxySetup:
        if not self.passes:
            raise NginxConfError(str(self.main), None, code="no_proxy_pass")
        chosen = next((p for p in self.passes if not p.has_vars and self._group(p) is not None), None)
        chosen = chosen or next((p for p in self.passes if not p.has_vars), None)
        if chosen is None:
            first = self.passes[0]
            raise NginxConfError(first.file, first.line, code="proxy_pass_variables")
        settings: dict = {}
        for block in chosen.chain:
            settings.update(block)
        group = self._group(chosen)
        if group is not None and group.policy == "hash":
            raise NginxConfError(group.file, group.policy_line, code="hash")
        next_upstream = tuple(dict.fromkeys(settings.get("proxy_next_upstream", ["error", "timeout"])))
        if "off" in next_upstream:
            next_upstream = ()
        common = dict(
            file=chosen.file, line=chosen.line, workers=self.workers,
            next_upstream=next_upstream,
            next_upstream_tries=settings.get("proxy_next_upstream_tries", 0),
            connect_timeout=settings.get("proxy_connect_timeout", 60.0),
            read_timeout=settings.get("proxy_read_timeout", 60.0),
        )
        if group is None:
            server = UpstreamServer(address=f"{chosen.host}:{chosen.port or chosen.default_port}")
            return ProxySetup(upstream=None, servers=(server,), **common)
        return ProxySetup(upstream=group.name, servers=tuple(group.servers), policy=group.policy,
                          zone=group.zone, **common)


# --------------------------------------------------------------------------- nginx's value parsers


def _inside(path: str, root: Path) -> bool:
    """Whether `path`, with links and `..` resolved, is `root` or inside it."""
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents


NGX_MAX_INT = 2**63 - 1


def _atoi(text: str) -> int | None:
    """ngx_atoi(): ASCII digits only and at most NGX_MAX_INT_T_VALUE, else None."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= NGX_MAX_INT else None


_TIME_STEPS = {"y": (1, 365 * 86400), "M": (2, 30 * 86400), "w": (3, 7 * 86400), "d": (4, 86400),
               "h": (5, 3600), "m": (6, 60), "s": (7, 1), " ": (9, 1)}
_MSEC_STEP = 8


def _parse_time(text: str, seconds: bool) -> int | None:
    """ngx_parse_time(): "10", "10s", "1m30s", "500ms" (not when `seconds`); in seconds or ms.

    As in nginx, a value beyond NGX_MAX_INT_T_VALUE anywhere along the way is invalid (None).
    """
    step = 0 if seconds else 2
    value = total = 0
    valid = False
    i = 0
    while i < len(text):
        char = text[i]
        i += 1
        if "0" <= char <= "9":
            value = value * 10 + int(char)
            if value > NGX_MAX_INT:
                return None
            valid = True
            continue
        if char == "m" and i < len(text) and text[i] == "s":
            if seconds or step >= _MSEC_STEP:
                return None
            i += 1
            step, scale, most = _MSEC_STEP, 1, NGX_MAX_INT
        elif char in _TIME_STEPS:
            new_step, scale = _TIME_STEPS[char]
            if step >= (7 if char == " " else new_step):
                return None
            step, most = new_step, NGX_MAX_INT // scale
        else:
            return None
        if step != _MSEC_STEP and not seconds:
            scale *= 1000
            most //= 1000
        if value > most or total > NGX_MAX_INT - value * scale:
            return None
        total += value * scale
        value = 0
        while i < len(text) and text[i] == " ":
            i += 1
    if not valid:
        return None
    if not seconds:
        if value > NGX_MAX_INT // 1000:
            return None
        value *= 1000
    return total + value if total <= NGX_MAX_INT - value else None


def _split_host_port(file: str, line: int, url: str, uri_allowed: bool) -> tuple[str, int | None]:
    """ngx_parse_inet_url(): host and port of `url` (port None when not given)."""
    authority = url
    cut = min((i for i in (url.find("/"), url.find("?")) if i >= 0), default=-1)
    if cut >= 0:
        if not uri_allowed:
            raise NginxConfError(file, line, f'invalid host in upstream "{url}"')
        authority = url[:cut]
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise NginxConfError(file, line, f'invalid host in upstream "{url}"')
        host, tail = authority[:end + 1], authority[end + 1:]
        port_text = tail[1:] if tail.startswith(":") else None
    else:
        host, colon, port_text = authority.rpartition(":")
        if not colon:
            host, port_text = authority, None
    port = None
    if port_text is not None:
        port = _atoi(port_text)
        if port is None or not 1 <= port <= 65535:
            raise NginxConfError(file, line, f'invalid port in upstream "{url}"')
    if not host:
        raise NginxConfError(file, line, f'no host in upstream "{url}"')
    return host, port


def _server_address(file: str, line: int, text: str) -> str:
    """The `host:port` of an upstream `server` line, checked like nginx does."""
    if text.startswith("unix:"):
        return text
    host, port = _split_host_port(file, line, text, uri_allowed=False)
    if not _resolvable(host):
        raise NginxConfError(file, line, f'host not found in upstream "{text}"')
    return f"{host}:{port if port is not None else 80}"


_NAME_CHARACTERS = re.compile(r"^[A-Za-z0-9._-]+$", re.ASCII)


def _resolvable(host: str) -> bool:
    """Whether we take `host` for a real address (see the module docstring).

    What getaddrinfo() reads as a number is one (also `127.1` and `0x7f.0.0.1`, as nginx
    accepts them); a name needs a dot and only the characters host names have.
    """
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
        return True
    except (OSError, ValueError):
        pass
    return host.lower() == "localhost" or ("." in host and bool(_NAME_CHARACTERS.match(host)))


# --------------------------------------------------------------------------- onto a scenario


def apply_to_scenario(setup: ProxySetup, scenario: Scenario) -> tuple[Scenario, list[MappingNote]]:
    """The scenario with nginx's group, balancing and proxy settings taken from `setup`.

    Config servers are matched to scenario servers by address, then the rest in order (so the
    scenario's names, app behaviour and events carry over); extra config servers get default
    apps named by their address. Scenario servers left over are not in the upstream: they are
    dropped with their events, and notes say so.
    """
    if setup.workers == 0:
        raise NginxConfError(setup.file, None, code="no_workers")
    left = list(scenario.servers)
    matched: list[Server | None] = []
    for item in setup.servers:
        twin = next((s for s in left if s.address == item.address), None)
        if twin is not None:
            left.remove(twin)
        matched.append(twin)
    notes: list[MappingNote] = []
    servers = []
    for item, twin in zip(setup.servers, matched):
        if twin is None and left:
            twin = left.pop(0)
        if twin is None:
            twin = Server(name=item.address, address=item.address)
            notes.append(MappingNote("added_server", item.address, item.address))
        servers.append(replace(twin, address=item.address, weight=item.weight, max_fails=item.max_fails,
                               fail_timeout=item.fail_timeout, max_conns=item.max_conns,
                               backup=item.backup, down=item.down))
    dropped = {server.name for server in left}
    for server in left:
        notes.append(MappingNote("not_in_upstream", server.name, server.address))
    events = []
    for event in scenario.events:
        if event.server in dropped:
            notes.append(MappingNote("event_dropped", event.server, action=event.action, at=event.at))
        else:
            events.append(event)
    nginx = replace(scenario.nginx, policy=setup.policy, next_upstream=setup.next_upstream,
                    next_upstream_tries=setup.next_upstream_tries,
                    connect_timeout=setup.connect_timeout, read_timeout=setup.read_timeout,
                    zone=setup.zone,
                    workers=setup.workers if setup.workers is not None else scenario.nginx.workers)
    result = replace(scenario, nginx=nginx, servers=tuple(servers), events=tuple(events))
    validate(result)
    return result, notes


def scenario_with_nginx_config(scenario: Scenario, config: str | Path | None = None
                               ) -> tuple[Scenario, ProxySetup | None, list[MappingNote]]:
    """`scenario` with its nginx config applied: `config` (e.g. `--nginx-conf`, relative to the
    current folder) or else the scenario's `[nginx] config` (relative to the scenario file).
    Returns the scenario, the setup read (None without a config) and the mapping notes."""
    if config is None and scenario.nginx.config:
        config = Path(scenario.nginx.config)
        if not config.is_absolute() and not scenario.source.startswith("<"):
            config = Path(os.path.normpath(Path(scenario.source).parent / config))
    if config is None:
        return scenario, None, []
    setup = read_nginx_config(config)
    try:
        mapped, notes = apply_to_scenario(setup, scenario)
    except ScenarioError as exc:  # beyond the simulator's limits: say which file it came from
        raise ScenarioError(str(config), exc.key, exc.code, **exc.values) from None
    return mapped, setup, notes
