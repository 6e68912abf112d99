"""How students join: the address to open on their phones, and a QR code of it."""

from __future__ import annotations

import io
import ipaddress
import os
import socket

import qrcode
from PIL import Image

PUBLIC_URL_ENV = "MNIST_DEMO_PUBLIC_URL"  # the address to show, when the machine's own is not the one students reach


def lan_address() -> str:
    """This machine's address on the local network (the first private IPv4 address its name resolves to), else its
    host name. Looked up from the host name alone: nothing is sent on the network."""
    hostname = socket.gethostname()
    try:
        infos = socket.getaddrinfo(hostname, None, socket.AF_INET)
    except OSError:
        return hostname
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    lan = [a for a in addresses if a.is_private and not a.is_loopback]
    return str(lan[0]) if lan else hostname


def student_url(port: int | str) -> str:
    """$MNIST_DEMO_PUBLIC_URL, else http://<LAN address>:<port>/"""
    public = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return public or f"http://{lan_address()}:{port}/"


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
