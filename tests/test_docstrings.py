"""Every public docstring in numpydoc form, checked by numpydoc's validator (as scikit-learn does).

The public objects are the classes and functions named in the ``__all__`` of :mod:`vdae`,
:mod:`vdae.models`, :mod:`vdae.prior`, :mod:`vdae.datasets`, :mod:`vdae.metrics`, :mod:`vdae.io`,
:mod:`vdae.plotting` and :mod:`vdae.exceptions`, plus every public method and property of
those classes (inherited ones included, as they appear on each class's page). A method that
overrides a documented one without a docstring of its own inherits that docstring (as Sphinx
shows it), so the inherited text is what gets checked. Each object is validated once, under
the first public name that reaches it; a failure names the object and the numpydoc codes.

The checks (``CHECKS``) are numpydoc's codes:

- GL03, GL05–GL10: layout (no double blank lines, no tabs, known sections in order, ...);
  GL08: a docstring is present.
- SS01–SS06: a one-line summary, capitalised, ending in a period, in the imperative
  ("Return", not "Returns"), not starting with the object's name.
- PR01–PR10: every parameter documented with a type and a capitalised description ending in a
  period, no unknown or misordered parameters, ``name : type`` spacing.
- RT01–RT05: a Returns section for a function that returns something, each value described.
- YD01: a Yields section for a generator.
- EX01 (``EXAMPLES_REQUIRED``): an Examples section, required for every public function and
  every estimator class (one with ``fit``) of :mod:`vdae`, :mod:`vdae.datasets` and
  :mod:`vdae.metrics`; the examples run as doctests in ``pytest`` (``--doctest-modules``).

Left out, as scikit-learn leaves them out: GL01/GL02 (where the summary and closing quotes
sit), ES01 (an extended summary), SA01 (See Also), and EX01 for methods, result containers and
the manifold classes (their ``make_*`` generators carry the examples).
"""

from __future__ import annotations

import importlib
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

MODULES = ["vdae", "vdae.models", "vdae.prior", "vdae.datasets", "vdae.metrics", "vdae.io",
           "vdae.plotting", "vdae.exceptions"]
#: modules whose public functions and estimator classes must carry an Examples section
EXAMPLE_MODULES = {"vdae", "vdae.datasets", "vdae.metrics"}

CHECKS = {
    "GL03", "GL05", "GL06", "GL07", "GL08", "GL09", "GL10",
    "SS01", "SS02", "SS03", "SS04", "SS05", "SS06",
    "PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07", "PR08", "PR09", "PR10",
    "RT01", "RT02", "RT03", "RT04", "RT05",
    "YD01",
}


def _unwrap(raw):
    """The function (or property) behind a class attribute found with ``getattr_static``."""
    if isinstance(raw, (classmethod, staticmethod)):
        return raw.__func__
    return getattr(raw, "fn", raw)  # sklearn's available_if descriptor keeps the method in .fn


def _documented(cls, attr):
    """The definition of ``cls.attr`` whose docstring Sphinx shows: the nearest one in the MRO
    that has a docstring (an undocumented override inherits its parent's), else the nearest."""
    found = [_unwrap(vars(k)[attr]) for k in cls.__mro__ if attr in vars(k)]
    return next((f for f in found if getattr(f, "__doc__", None)), found[0])


def _is_vdae(obj) -> bool:
    target = obj.fget if isinstance(obj, property) else obj
    return (getattr(target, "__module__", None) or "").startswith("vdae")


def public_objects() -> list[tuple[str, object, bool]]:
    """(public name, object, examples required) for every object the test validates, once each."""
    seen: dict[int, tuple[str, object, bool]] = {}
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            needs_example = modname in EXAMPLE_MODULES and (
                inspect.isfunction(obj) or hasattr(obj, "fit"))
            seen[id(obj)] = (f"{modname}.{name}", obj, needs_example)
            if not inspect.isclass(obj):
                continue
            for attr in sorted(dir(obj)):
                if attr.startswith("_"):
                    continue
                member = _documented(obj, attr)
                if not (inspect.isfunction(member) or isinstance(member, property)):
                    continue
                if _is_vdae(member) and id(member) not in seen:
                    seen[id(member)] = (f"{modname}.{name}.{attr}", member, False)
    return list(seen.values())


PUBLIC = public_objects()


def docstring_errors(obj, needs_example: bool) -> list[str]:
    """The numpydoc errors of ``obj``'s docstring among ``CHECKS`` (plus EX01 if required)."""
    result = numpydoc_validate.validate(docscrape.get_doc_object(obj))
    wanted = CHECKS | ({"EX01"} if needs_example else set())
    if getattr(obj, "_is_protocol", False):  # a typing.Protocol has no constructor to document
        wanted -= {"PR01", "PR02"}
    return [f"{code}: {message}" for code, message in result["errors"] if code in wanted]


def test_public_objects_are_found():
    names = {name for name, _, _ in PUBLIC}
    # the estimators, their main methods and a few functions of each namespace are all reached
    for expected in ["vdae.VDAE", "vdae.VDAE.fit", "vdae.VDAE.random_walk", "vdae.VDAE.save",
                     "vdae.VDAE.load", "vdae.DiffusionMap.transform", "vdae.SpectralNet.transform",
                     "vdae.datasets.make_torus", "vdae.metrics.gromov_wasserstein"]:
        assert expected in names
    assert len(PUBLIC) > 140


@pytest.mark.parametrize("name, obj, needs_example", PUBLIC, ids=[p[0] for p in PUBLIC])
def test_docstring(name, obj, needs_example):
    errors = docstring_errors(obj, needs_example)
    assert not errors, f"{name}:\n  " + "\n  ".join(errors)


def test_checks_catch_an_undocumented_parameter_and_a_missing_docstring():
    def half_documented(a, b):
        """Add two numbers.

        Parameters
        ----------
        a : int
            The first number.

        Returns
        -------
        int
            The sum.
        """
        return a + b

    def undocumented(a):
        return a

    assert any(e.startswith("PR01") and "'b'" in e
               for e in docstring_errors(half_documented, False))
    assert [e[:4] for e in docstring_errors(undocumented, False)] == ["GL08"]
    assert any(e.startswith("EX01") for e in docstring_errors(half_documented, True))
