"""How students join: the address to open on their phones, and a QR code of it.

A phone on the class's network reaches this machine by an IPv4 address, not by the machine's name: a host name
resolves only on the machine itself (Debian and Ubuntu map their own name to 127.0.1.1), and a phone asks the
network's DNS, which has never heard of it. So the address is the one of the interface that holds the default route
(the one the machine reaches the network by), read from the system without sending anything: Linux's routing table
(/proc/net/route) and each interface's address, or elsewhere the source address of a UDP socket "connected" towards
a documentation address (connect() on a UDP socket only looks the route up). Other interfaces' addresses follow, in
case the class is on another one; loopback, link-local and unspecified addresses never count.
$MNIST_DEMO_PUBLIC_URL overrides it all (a reverse proxy, a name the network's DNS does know).
"""

from __future__ import annotations

import io
import ipaddress
import os
import socket
import struct
from pathlib import Path

import qrcode
from PIL import Image

PUBLIC_URL_ENV = "MNIST_DEMO_PUBLIC_URL"  # the address to show, when the machine's own is not the one students reach
ROUTE_TABLE = Path("/proc/net/route")
SIOCGIFADDR = 0x8915  # Linux's ioctl for an interface's IPv4 address
PROBE = "198.51.100.1"  # TEST-NET-2 (RFC 5737): routed by the default route, never answered, and nothing is sent
VIRTUAL = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "cni", "flannel", "tailscale", "zt")


def reachable(address: str) -> bool:
    """Whether another device could use `address` to reach this machine: IPv4, not loopback, not link-local
    (169.254.x.x: a network without DHCP), not 0.0.0.0, not multicast."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return (ip.version == 4 and not ip.is_loopback and not ip.is_link_local and not ip.is_unspecified
            and not ip.is_multicast)


def default_interfaces(table: str) -> list[str]:
    """The interfaces holding a default route in the text of Linux's /proc/net/route, lowest metric first."""
    found = []
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        name, destination, flags, metric, mask = fields[0], fields[1], fields[3], fields[6], fields[7]
        try:
            up, order = int(flags, 16) & 0x1, int(metric)  # 0x1: RTF_UP
        except ValueError:
            continue
        if up and destination == mask == "00000000":
            found.append((order, name))
    return [name for _, name in sorted(found)]


def interface_addresses() -> dict[str, str]:
    """Each network interface's IPv4 address by name (Linux); empty where the system cannot say."""
    found: dict[str, str] = {}
    try:
        import fcntl  # Unix only

        names = [name for _, name in socket.if_nameindex()]
    except (ImportError, OSError):
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for name in names:
            try:
                answer = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:  # no IPv4 address, or not Linux
                continue
            found[name] = socket.inet_ntoa(answer[20:24])
    return found


def routed_address() -> str | None:
    """The address this machine sends from towards the rest of the network, or None without a route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((PROBE, 9))  # a UDP connect() looks the route up and sends nothing
            return s.getsockname()[0]
    except OSError:
        return None


def name_addresses() -> list[str]:
    """The IPv4 addresses this machine's own name resolves to (often only 127.0.1.1: kept last, filtered)."""
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        return []


def lan_addresses() -> list[str]:
    """This machine's addresses another device on its network can reach, best first: the default route's
    interface, the address the system routes from, the other interfaces (bridges of containers and virtual machines
    last), and what its name resolves to."""
    try:
        table = ROUTE_TABLE.read_text()
    except OSError:
        table = ""
    interfaces = interface_addresses()
    default = default_interfaces(table)
    others = sorted((name for name in interfaces if name not in default), key=lambda n: n.startswith(VIRTUAL))
    candidates = [interfaces[n] for n in default if n in interfaces] + [routed_address() or ""]
    candidates += [interfaces[n] for n in others] + name_addresses()
    return [a for i, a in enumerate(candidates) if reachable(a) and a not in candidates[:i]]


def public_url() -> str:
    """$MNIST_DEMO_PUBLIC_URL, or "" when it is not set."""
    return os.environ.get(PUBLIC_URL_ENV, "").strip()


def student_urls(port: int | str) -> list[str]:
    """The addresses students open, best first: $MNIST_DEMO_PUBLIC_URL alone when it is set, else
    http://<address>:<port>/ for each of lan_addresses(); empty when this machine is on no network."""
    public = public_url()
    return [public] if public else [f"http://{address}:{port}/" for address in lan_addresses()]


def qr_image(url: str, box: int = 12) -> Image.Image:
    """A QR code of `url`, `box` pixels a module, with the standard quiet zone: large enough to scan from the back of
    a room when projected."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def qr_png(url: str, box: int = 12) -> bytes:
    buf = io.BytesIO()
    qr_image(url, box).save(buf, "PNG")
    return buf.getvalue()
