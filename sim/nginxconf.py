"""Read a learner's nginx config and map its upstream onto a Scenario.

The config is tokenised with crossplane's lexer and parsed here the way nginx does it (one pass,
includes read where they stand), so that the first error is the one `nginx -t` reports, as
`file:line: message` with nginx's own wording. Checked: syntax (`;`, braces), directive context
and argument counts (crossplane's tables), likely-misspelt directives, and the directives the
simulator models: `upstream` + `server` parameters, balancing methods, `proxy_pass`,
`proxy_next_upstream[_tries]`, `proxy_connect_timeout`, `proxy_read_timeout`,
`worker_processes`, `zone`. Other directives are accepted without a closer look.

Host names cannot be resolved offline: IP addresses, `localhost` and names with a dot are
accepted; a name without a dot that is no `upstream` gives nginx's `host not found in upstream`
(it is almost always a misspelt upstream name).
"""

from __future__ import annotations

import difflib
import glob
import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from crossplane.analyzer import CONTEXTS, DIRECTIVES, analyze, enter_block_ctx
from crossplane.errors import NgxParserBaseException, NgxParserSyntaxError
from crossplane.lexer import lex

from sim.scenario import Scenario, Server, validate

NEXT_UPSTREAM_VALUES = ("error", "timeout", "invalid_header", "http_500", "http_502", "http_503",
                        "http_504", "http_403", "http_404", "http_429", "non_idempotent", "off")
# Server parameters each balancing method accepts (nginx's NGX_HTTP_UPSTREAM_* flags).
_NO_BACKUP_METHODS = ("ip_hash", "random", "random_two_least_conn", "hash")
_DEFAULT_CONFIG_DIR = "/etc/nginx/"


class NginxConfError(ValueError):
    """A config nginx would reject (or the simulator cannot model); `str()` is `file:line: message`."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.message = file, line, message


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


def read_nginx_config(path: str | Path) -> ProxySetup:
    """Parse the config at `path` (with its includes) and return the proxy setup it describes.

    Raises NginxConfError for what `nginx -t` would reject, for a config without `proxy_pass`,
    and for balancing the simulator does not model (`hash`, variables in `proxy_pass`).
    """
    reader = _Reader(Path(path))
    reader.read()
    return reader.setup()


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

    def __init__(self, path: Path) -> None:
        self.main = path
        self.main_dir = path.resolve().parent if path.exists() else path.parent
        self.upstreams: dict[str, _Upstream] = {}
        self.passes: list[_ProxyPass] = []
        self.blocks: list[dict] = []          # proxy settings per open block
        self.workers: int | None = None
        self.current_upstream: _Upstream | None = None

    # ---- parsing ---------------------------------------------------------------

    def read(self) -> None:
        file = str(self.main)
        if not self.main.is_file():
            raise NginxConfError(file, None, "no such file")
        ctx = self._base_context(file)
        if ctx == ():
            self.workers = 1  # nginx's default for a whole nginx.conf
        self.blocks.append({})
        self._parse_file(file, ctx)
        self._check_after_parse()

    def _tokens(self, file: str):
        text = Path(file).read_text(encoding="utf-8", errors="replace")
        eof_line = text.count("\n") + 1
        try:
            for token, line, quoted in lex(file):
                if not quoted and token.startswith("#"):
                    continue
                yield token, line, quoted
        except NgxParserSyntaxError as exc:
            if "end of file" not in exc.strerror:  # an unbalanced "}"; end of file is ours to report
                raise NginxConfError(file, exc.lineno, exc.strerror) from None
        yield None, eof_line, False

    def _base_context(self, file: str) -> tuple[str, ...]:
        """() for a whole nginx.conf; ('http',) for a snippet of server/upstream blocks."""
        depth, expect_name, names = 0, True, set()
        try:
            for token, _, quoted in lex(file):
                if not quoted and token in ("{", "}", ";"):
                    depth += {"{": 1, "}": -1, ";": 0}[token]
                    expect_name = True
                elif expect_name and not token.startswith("#"):
                    if depth == 0:
                        names.add(token)
                    expect_name = False
        except NgxParserBaseException:
            pass
        if names & {"http", "events", "worker_processes", "user", "pid", "load_module"}:
            return ()
        if "location" in names:
            return ("http", "server")
        return ("http",)

    def _parse_file(self, file: str, ctx: tuple[str, ...]) -> None:
        tokens = self._tokens(file)
        self._parse_block(file, tokens, ctx, top=True)

    def _parse_block(self, file: str, tokens, ctx: tuple[str, ...], top: bool) -> int:
        """Read directives until the block's `}` (or end of file at the top); returns its line."""
        words: list[tuple[str, int]] = []
        while True:
            token, line, quoted = next(tokens)  # the stream ends with a (None, eof_line) marker
            if token is None:
                if words:
                    raise NginxConfError(file, line, 'unexpected end of file, expecting ";" or "}"')
                if not top:
                    raise NginxConfError(file, line, 'unexpected end of file, expecting "}"')
                return line
            if quoted or token not in ("{", "}", ";"):
                words.append((token, line))
                continue
            if token == "}":
                if words or top:
                    raise NginxConfError(file, line, 'unexpected "}"')
                return line
            if not words:
                raise NginxConfError(file, line, f'unexpected "{token}"')
            name, args = words[0][0], [word for word, _ in words[1:]]
            words = []
            self._directive(file, name, args, line, token, tokens, ctx)

    def _directive(self, file: str, name: str, args: list[str], line: int, term: str, tokens,
                   ctx: tuple[str, ...]) -> None:
        stmt = {"directive": name, "line": line, "args": args}
        self._check_known(file, name, line, ctx)
        try:
            analyze(file, stmt, term, ctx, strict=False, check_ctx=True, check_args=True)
        except NgxParserBaseException as exc:
            raise NginxConfError(file, line, exc.strerror) from None
        if term == ";":
            self._simple(file, name, args, line, ctx)
            return
        inner = enter_block_ctx(stmt, ctx)
        self._open(file, name, args, line, ctx)
        end_line = self._parse_block(file, tokens, inner, top=False)
        self._close(file, name, end_line, ctx)

    def _check_known(self, file: str, name: str, line: int, ctx: tuple[str, ...]) -> None:
        """Unknown directives: reported when they look like a slip of a known one.

        Inside blocks whose lines are data, not directives (map, types, geo, ...), nothing is checked.
        """
        if name in DIRECTIVES or ctx not in CONTEXTS:
            return
        if name.startswith(("proxy_", "upstream")) or difflib.get_close_matches(name, DIRECTIVES, 1, 0.85):
            raise NginxConfError(file, line, f'unknown directive "{name}"')

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
            if not self.current_upstream.servers:
                raise NginxConfError(file, end_line, "no servers are inside upstream")
            self.current_upstream = None

    # ---- simple directives ---------------------------------------------------------

    def _simple(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
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
        if not os.path.isabs(pattern):
            pattern = str(self.main_dir / pattern)
        names = self._expand(pattern)
        if not names and pattern.startswith(_DEFAULT_CONFIG_DIR) and str(self.main_dir) != _DEFAULT_CONFIG_DIR[:-1]:
            # A copy of /etc/nginx in another folder: look there for the included files.
            names = self._expand(str(self.main_dir / pattern[len(_DEFAULT_CONFIG_DIR):]))
        if not names and not glob.has_magic(pattern):
            raise NginxConfError(file, line, f'open() "{pattern}" failed (2: No such file or directory)')
        for included in names:
            self._parse_file(included, ctx)

    @staticmethod
    def _expand(pattern: str) -> list[str]:
        if glob.has_magic(pattern):
            return sorted(path for path in glob.glob(pattern) if os.path.isfile(path))
        return [pattern] if os.path.isfile(pattern) else []

    def _server(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        upstream = self.current_upstream
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
        self.current_upstream.policy = policy
        self.current_upstream.policy_line = line

    def _zone(self, file: str, name: str, args: list[str], line: int, ctx: tuple[str, ...]) -> None:
        self.current_upstream.zone = True

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
        elif _atoi(value) is not None and _atoi(value) > 0:
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
            raise NginxConfError(str(self.main), None,
                                 "no proxy_pass found: the simulator needs a location that proxies to an app")
        chosen = next((p for p in self.passes if not p.has_vars and self._group(p) is not None), None)
        chosen = chosen or next((p for p in self.passes if not p.has_vars), None)
        if chosen is None:
            first = self.passes[0]
            raise NginxConfError(first.file, first.line,
                                 "proxy_pass with variables is not modelled by the simulator")
        settings: dict = {}
        for block in chosen.chain:
            settings.update(block)
        group = self._group(chosen)
        if group is not None and group.policy == "hash":
            raise NginxConfError(group.file, group.policy_line,
                                 '"hash" balancing is not modelled by the simulator '
                                 "(use round robin, least_conn, ip_hash or random)")
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


def _atoi(text: str) -> int | None:
    """ngx_atoi(): digits only, else None."""
    return int(text) if text.isdigit() and text.isascii() else None


_TIME_STEPS = {"y": (1, 365 * 86400), "M": (2, 30 * 86400), "w": (3, 7 * 86400), "d": (4, 86400),
               "h": (5, 3600), "m": (6, 60), "s": (7, 1), " ": (9, 1)}
_MSEC_STEP = 8


def _parse_time(text: str, seconds: bool) -> int | None:
    """ngx_parse_time(): "10", "10s", "1m30s", "500ms" (not when `seconds`); in seconds or ms."""
    step = 0 if seconds else 2
    value = total = 0
    valid = False
    i = 0
    while i < len(text):
        char = text[i]
        i += 1
        if "0" <= char <= "9":
            value = value * 10 + int(char)
            valid = True
            continue
        if char == "m" and i < len(text) and text[i] == "s":
            if seconds or step >= _MSEC_STEP:
                return None
            i += 1
            step, scale = _MSEC_STEP, 1
        elif char in _TIME_STEPS:
            new_step, scale = _TIME_STEPS[char]
            if step >= (7 if char == " " else new_step):
                return None
            step = new_step
        else:
            return None
        if step != _MSEC_STEP and not seconds:
            scale *= 1000
        total += value * scale
        value = 0
        while i < len(text) and text[i] == " ":
            i += 1
    if not valid:
        return None
    return total + (value if seconds else value * 1000)


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


def _resolvable(host: str) -> bool:
    """Whether we take `host` for a real address (see the module docstring)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return host.lower() == "localhost" or "." in host


# --------------------------------------------------------------------------- onto a scenario


def apply_to_scenario(setup: ProxySetup, scenario: Scenario) -> tuple[Scenario, list[MappingNote]]:
    """The scenario with nginx's group, balancing and proxy settings taken from `setup`.

    Config servers are matched to scenario servers by address, then the rest in order (so the
    scenario's names, app behaviour and events carry over); extra config servers get default
    apps named by their address. Scenario servers left over are not in the upstream: they are
    dropped with their events, and notes say so.
    """
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
    mapped, notes = apply_to_scenario(setup, scenario)
    return mapped, setup, notes
