"""Kept so that ``from tactful.delivery import deliver`` keeps working; use :mod:`tactful.testing`."""

from .hooks.delivery import deliver

__all__ = ["deliver"]
