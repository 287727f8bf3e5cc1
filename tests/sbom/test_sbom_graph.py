"""The dependency graph behind every SBOM: markers, resolution, vendored copies, roots."""

from __future__ import annotations

import pytest
from sbom_factories import SITE, demo_inventory, dist

from wellcheck.models import ArtifactInfo, Component, ComponentKind
from wellcheck.pipeline import Inventory
from wellcheck.sbom.graph import build_graph


def inventory(*components: Component, python: str | None = "3.12") -> Inventory:
    return Inventory(ArtifactInfo("fn.zip", "lambda-zip", python_version=python), components, ())


def edges_by_name(inv: Inventory) -> dict[str, set[str]]:
    graph = build_graph([inv])
    names = {n.ref: n.component.name for n in graph.nodes}
    return {
        names[n.ref]: {names[r] for r in graph.children(n.ref)}
        for n in graph.nodes
        if graph.children(n.ref)
    }


def test_requests_depends_on_what_is_present_and_not_on_extras() -> None:
    edges = edges_by_name(demo_inventory())
    # certifi, charset-normalizer, idna, urllib3 are present; PySocks/chardet are extras
    assert edges["requests"] == {"certifi", "charset-normalizer", "idna", "urllib3"}
    # annotated-types and pydantic-core are absent: no edge, no error
    assert edges["pydantic"] == {"typing-extensions"}
    assert "urllib3" not in edges  # brotli only with the extra


@pytest.mark.parametrize(
    ("marker", "python", "expected"),
    [
        ('python_version < "3.8"', "3.12", False),
        ('python_version < "3.8"', "3.7", True),
        ('python_version >= "3.11"', "3.12", True),
        ('python_version >= "3.11"', None, True),  # unknown Python: could apply
        ('python_version < "3.0"', None, False),  # holds for no supported Python
        ('sys_platform == "win32"', "3.12", False),  # serverless runtimes are Linux
        ('platform_machine == "aarch64"', "3.12", True),  # arm64 Lambda exists
        ('extra == "test"', "3.12", False),
        ('python_version >= "3.8" or extra == "test"', "3.12", True),
    ],
)
def test_markers_are_evaluated_for_the_artifact_python(
    marker: str, python: str | None, expected: bool
) -> None:
    app = dist("app", "1.0", requires_dist=(f"six; {marker}",))
    edges = edges_by_name(inventory(app, dist("six", "1.16.0"), python=python))
    assert ("six" in edges.get("app", set())) is expected


def test_component_python_wins_over_the_artifact_python() -> None:
    app = dist("app", "1.0", requires_dist=('six; python_version < "3.8"',), python_version="3.7")
    assert edges_by_name(inventory(app, dist("six", "1.16.0"), python="3.12"))["app"] == {"six"}


def test_resolution_prefers_the_same_site_root_then_the_same_tree() -> None:
    app = dist("app", "1.0", requires_dist=("six",), site_root="a")
    six_a = dist("six", "1.16.0", site_root="a", location="a/six-1.16.0.dist-info")
    six_b = dist("six", "1.15.0", site_root="b", location="b/six-1.15.0.dist-info")
    graph = build_graph([inventory(app, six_a, six_b)])
    app_ref = next(n.ref for n in graph.nodes if n.component.name == "app")
    assert graph.depends_on[app_ref] == (next(n.ref for n in graph.nodes if n.component == six_a),)
    # nothing in app's site root: fall back to the same tree
    graph = build_graph([inventory(app, six_b)])
    assert len(graph.depends_on[app_ref]) == 1


def test_no_edges_into_a_different_nested_archive() -> None:
    app = dist("app", "1.0", requires_dist=("six",))
    nested_six = dist("six", "1.16.0", chain=("inner.whl",))
    assert edges_by_name(inventory(app, nested_six)) == {}


def test_vendored_copy_hangs_off_its_parent_and_is_never_a_requirement_target() -> None:
    vendored = Component(
        name="requests",
        version="2.31.0",
        kind=ComponentKind.VENDORED,
        location=f"{SITE}/pip/_vendor/vendor.txt",
        site_root=SITE,
        vendored_by="pip",
    )
    app = dist("app", "1.0", requires_dist=("requests",))
    graph = build_graph([inventory(dist("pip", "23.3.1"), vendored, app)])
    by_name = {(n.component.name, n.component.kind): n.ref for n in graph.nodes}
    pip_ref = by_name[("pip", ComponentKind.DIST_INFO)]
    assert graph.vendors[pip_ref] == (by_name[("requests", ComponentKind.VENDORED)],)
    assert by_name[("app", ComponentKind.DIST_INFO)] not in graph.depends_on


def test_refs_are_unique_for_copies_sharing_a_metadata_file() -> None:
    copies = [
        Component(
            name=name,
            version="1.0",
            kind=ComponentKind.VENDORED,
            location="pip/_vendor/vendor.txt",
            vendored_by="pip",
        )
        for name in ("six", "six", "idna")
    ]
    graph = build_graph([inventory(*copies)])
    refs = [n.ref for n in graph.nodes]
    assert len(set(refs)) == 3


def test_top_level_are_the_components_nothing_requires() -> None:
    graph = build_graph([demo_inventory()])
    names = {n.ref: n.component.name for n in graph.nodes}
    top = {names[r] for r in graph.top_level[graph.artifact_refs[0]]}
    assert top == {"requests", "pydantic", "pip", "sitecustomize"}


def test_a_cycle_nothing_else_reaches_is_still_attached_to_the_artifact() -> None:
    a = dist("a", "1.0", requires_dist=("b",))
    b = dist("b", "1.0", requires_dist=("a",))
    graph = build_graph([inventory(a, b)])
    (root,) = graph.top_level[graph.artifact_refs[0]]
    reached = {root, *graph.children(root)}
    assert reached == {n.ref for n in graph.nodes}


def test_invalid_requirements_are_skipped() -> None:
    app = dist("app", "1.0", requires_dist=("not a valid ;; requirement", "six"))
    assert edges_by_name(inventory(app, dist("six", "1.16.0"))) == {"app": {"six"}}


def test_several_artifacts_get_distinct_refs_for_the_same_component() -> None:
    one = Inventory(ArtifactInfo("a/fn.zip", "lambda-zip"), (dist("six", "1.16.0"),), ())
    two = Inventory(ArtifactInfo("b/fn.zip", "lambda-zip"), (dist("six", "1.16.0"),), ())
    graph = build_graph([one, two])
    assert len({n.ref for n in graph.nodes}) == 2
    assert graph.artifact_names == ("fn.zip", "fn.zip#2")
    assert len(set(graph.artifact_refs)) == 2


@pytest.mark.parametrize(
    "raw",
    [
        "six",
        "Foo.Bar_baz[extra1,extra2] >=1.0,<2 ; python_version < '3.8'",
        "zope.interface (>=5.0)",
        'requests[socks] ; extra == "socks"',
        "pkg @ https://example.org/pkg-1.0-py3-none-any.whl ; python_version >= '3.8'",
        "typing-extensions>=4.6.1",
        'importlib-metadata>=4.6;python_version<"3.10"',
    ],
)
def test_fast_requirement_reading_agrees_with_packaging(raw: str) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from wellcheck.sbom.graph import _split_requirement

    req = Requirement(raw)
    parsed = _split_requirement(raw)
    assert parsed is not None
    name, marker = parsed
    assert name == canonicalize_name(req.name)
    assert (marker is None) == (req.marker is None)
    if marker is not None:
        from packaging.markers import Marker

        assert str(Marker(marker)) == str(req.marker)


@pytest.mark.parametrize("raw", ["", "   ", "foo;", "[extra] foo", "foo @"])
def test_unreadable_requirements_give_no_edge(raw: str) -> None:
    app = dist("app", "1.0", requires_dist=(raw,))
    assert edges_by_name(inventory(app, dist("foo", "1.0"))) == {}
