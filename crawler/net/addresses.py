"""The address policy, in one place, for every tool that fetches: only http(s), and never a
private, loopback, link-local or otherwise non-public address (the machine Rasid runs on, its
network, the cloud metadata service) unless it is the origin the user chose. No Scrapy here:
`rasid extract` and the crawl's middleware and resolver share it."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def is_public(address: str) -> bool:
    """A globally routable unicast address (IPv4-mapped IPv6 judged as the IPv4 inside)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, the port made explicit."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        port = -1
    return parts.scheme, (parts.hostname or "").lower(), port


def scheme_refusal(url: str) -> str | None:
    """Why `url`'s scheme is refused (anything but http and https), or None."""
    scheme = urlsplit(url).scheme
    return None if scheme in ("http", "https") else f"scheme {scheme or '(none)'}: only http and https are fetched"


def refusal(url: str, resolve: bool = True) -> str | None:
    """Why the address policy refuses `url`, or None. With `resolve` a host name is looked up
    (blocking: for tools outside the reactor); without it only an address literal is judged,
    and a name is left to the crawl's resolver, which judges the address the connection uses."""
    why = scheme_refusal(url)
    if why:
        return why
    host = (urlsplit(url).hostname or "").lower()
    if not is_ip(host) and not resolve:
        return None
    try:
        addresses = [host] if is_ip(host) else sorted({i[4][0] for i in socket.getaddrinfo(host, None)})
    except OSError as exc:
        return f"{host} does not resolve ({exc.strerror or exc})"
    for address in addresses:
        if not is_public(address):
            return f"{host} is a non-public address ({address})"
    return None


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False
