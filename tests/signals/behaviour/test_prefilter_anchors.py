"""The prefilter's cheap first checks never hide a call name or a builtin's text: every
name of its lists is found after any code, and both ``__str__`` and ``__repr__`` slices."""

from __future__ import annotations

import pytest

from wellcheck.signals.behaviour import prefilter

NAMES = (
    *prefilter._STRONG_CALLS,
    *prefilter._NATIVE_CALLS,
    *prefilter._CAPABILITY_CALLS,
    *prefilter._DYNAMIC_CALLS,
)


@pytest.mark.parametrize("name", NAMES)
def test_every_call_name_is_found(name: str) -> None:
    for before in ("", "x = ", "(", "\n    y = [", "a;"):
        data = f"{before}{name}(1)".encode()
        assert [m.start() for m in prefilter._CALLS.finditer(data)] == [len(data) - 3]


@pytest.mark.parametrize(
    "data",
    [b"getattr(__builtins__, 'exec')", b"getattr( _builtins, 'x')", b"vars(__builtins__)"],
)
def test_builtins_lookups_are_found(data: bytes) -> None:
    assert prefilter._CALLS.search(data) is not None


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"c = oct.__str__()[-3]", True),
        (b"c = hex.__repr__()[1]", True),
        (b"x = 1\n" * 1000 + b"c = oct.__repr__()[-3] + hex.__str__()[2]", True),
        (b"c = self.__str__()[:7]", True),  # the rules, not the prefilter, tell it apart
        (b"c = obj.x.__str__()[:7]", False),
        (b"c = Oct.__str__()[1]", False),
        (b"c = x.__len__()[1] + y.__()[2]", False),
        (b"__()[" + b"__str__()[", False),
    ],
)
def test_builtin_text_slices(data: bytes, found: bool) -> None:
    assert prefilter._builtin_text(data) is found
