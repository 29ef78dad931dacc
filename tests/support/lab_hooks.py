"""The lab's test-only hooks: `add_client` (a client machine on another /24, for ip_hash) and
`reset` (the lab put back as `tutor lab up` made it, between tests on one session lab)."""

from __future__ import annotations

from tutor.lab import Lab, network, nginx_tree, services
from tutor.lab.topology import ADDRESSES, APPS, BRIDGE_ROLE, CLIENTS, LINK, PREFIX_LEN
from tutor.lab.vm_tree import HOSTS_TEMPLATE

LAB_NET = f"{ADDRESSES['laptop'].rsplit('.', 1)[0]}.0/{PREFIX_LEN}"  # the tutorial's /24


def add_client(lab: Lab, role: str = "client2") -> str:
    """Add the client machine `role` (topology.CLIENTS) to the running lab, once; its address."""
    lab.require_up()
    if role not in CLIENTS:
        raise ValueError(f"{role!r} is not a client machine (topology.CLIENTS)")
    if lab.ns(role) not in lab.namespaces():
        network.ip(["-b", "-"], f"netns add {lab.ns(role)}\nlink add {LINK} netns {lab.ns(role)} type veth "
                                f"peer name {role} netns {lab.ns(BRIDGE_ROLE)}\n")
        network.ip(["-n", lab.ns(BRIDGE_ROLE), "-b", "-"], f"link set {role} master br0\nlink set {role} up\n")
        network.configure_link(lab.ns, role, lab.address(role))
        lab.make_machine(role)
    _client_routes(lab)
    return lab.address(role)


def _client_routes(lab: Lab) -> None:
    """On-link routes between each client's /24 and the lab's: the client reaches the lab, the
    proxy answers the client (a link that went down, powered off, has lost them)."""
    present = set(lab.namespaces())
    for role, (_, net) in CLIENTS.items():
        if lab.ns(role) in present:
            network.ip(["-n", lab.ns(role), "route", "replace", LAB_NET, "dev", LINK])
            network.ip(["-n", lab.ns("proxy"), "route", "replace", net, "dev", LINK])


def reset(lab: Lab) -> None:
    """Put the lab back as `up` made it: every machine on with an empty ARP cache, default nginx
    tree and hosts files, nginx and every app running, the client routes back."""
    for role in lab.roles():
        if not lab.powered(role):
            lab.poweron(role)
        network.ip(["-n", lab.ns(role), "neigh", "flush", "all"], check=False)  # as just booted
        lab.hosts_file(role).write_text(HOSTS_TEMPLATE.format(name=role), encoding="utf-8")
    _client_routes(lab)
    nginx_tree.clear(lab.nginx_dir)  # the folder itself stays: running nginx has it mounted
    nginx_tree.build(lab.nginx_dir, lab.machine_dir("proxy") / "var")
    if lab.nginx_master() is None:
        services.start_nginx(lab)
    else:
        lab.reload()
    for role in lab.roles():
        if role in APPS and lab.app_pid(role) is None:
            lab.start(role)
