import pytest

from embedlab._registry import Registry
from embedlab.errors import ConfigError, UnknownNameError


def test_register_get_and_list() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("b")(2)
    reg.register("a")(1)
    assert reg.get("a") == 1
    assert reg.names() == ["a", "b"]
    assert "a" in reg and "c" not in reg


def test_unknown_name_lists_valid_names() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("alpha")(1)
    reg.register("beta")(2)
    with pytest.raises(
        UnknownNameError, match=r"unknown widget 'gamma'; valid widgets: alpha, beta"
    ):
        reg.get("gamma")


def test_duplicate_registration_refused() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("a")(1)
    with pytest.raises(ConfigError, match="registered twice"):
        reg.register("a")(2)


def test_autoload_finds_builtin_tasks() -> None:
    from embedlab.tasks.base import TASKS

    assert {"coco-karpathy", "flickr30k", "captions", "shapes"} <= set(TASKS.names())
