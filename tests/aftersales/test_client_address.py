"""The visitor's address behind trusted reverse proxies (``aftersales.client_address``)."""

import ipaddress

import pytest
from django.test import RequestFactory

from aftersales.client_address import client_ip

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32"))


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("203.0.113.5", None, "203.0.113.5"),                          # no proxy
    ("203.0.113.5", "198.51.100.1", "203.0.113.5"),                # header from a stranger: ignored
    ("10.0.0.2", "198.51.100.1", "198.51.100.1"),                  # one proxy
    ("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),        # two proxies
    ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),         # the client's own entry is not believed
    ("10.0.0.2", "garbage, 198.51.100.1", "198.51.100.1"),
    ("10.0.0.2", "10.0.0.9, 10.0.0.7", "10.0.0.9"),                # every hop a proxy: the furthest
    ("10.0.0.2", "", "10.0.0.2"),                                   # a proxy that forwarded nothing
    ("10.0.0.2", "not-an-ip", "not-an-ip"),                        # counted as its own visitor, never a proxy
    ("2001:db8::1", "2001:db8::2, 2a00:1450::7", "2a00:1450::7"),  # IPv6
    ("", None, ""),
])
def test_the_visitor_is_the_first_address_from_the_right_that_is_not_a_proxy(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = PROXIES
    assert client_ip(request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = ()
    assert client_ip(request("10.0.0.2", "198.51.100.1")) == "10.0.0.2"
