"""Sphinx configuration of the vdae site: `make docs` builds it into docs/_build/html.

API pages are generated from the numpydoc docstrings (autosummary), the user guide is written
here, and the example gallery (examples/plot_*.py) is executed by sphinx-gallery and its figures
rendered into the site. Set VDAE_DOCS_NOPLOT=1 to skip running the examples (a quick build).
No extension reaches the network: intersphinx is off.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # document this checkout's code, installed or not

import vdae  # noqa: E402

project = "vdae"
author = "the vdae developers"
copyright = "2026, the vdae developers"
version = release = vdae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5"]
default_role = "literal"  # `name` in docstrings is code
pygments_style = "sphinx"

# --- API reference -----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# --- gallery -----------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": os.environ.get("VDAE_DOCS_NOPLOT", "") in ("", "0"),
    "image_scrapers": ("matplotlib",),
    "within_subsection_order": "sphinx_gallery.sorting.FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("vdae",),
    "reference_url": {"vdae": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "matplotlib_animations": False,
}

# --- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"vdae {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "results": [], "performance": [], "reproducibility": []}

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated metadata-routing setters (set_fit_request, ...)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


_TRAILING_UNDERSCORE = re.compile(r"(?<![\w\\])([A-Za-z]\w*[A-Za-z0-9])_(?=[\s,.;:)\]]|$)")
_LITERAL = re.compile(r"(`+[^`]*`+)")


def _escape_fitted_names(app, what, name, obj, options, lines):
    """Escape fitted-attribute names such as n_components_ outside literals.

    Docstrings write shapes as ``(n, n_components_)`` in plain text, readable in ``help()``;
    reStructuredText would read the trailing underscore as a link to a target of that name.
    """
    for i, line in enumerate(lines):
        parts = _LITERAL.split(line)
        lines[i] = "".join(p if p.startswith("`") else _TRAILING_UNDERSCORE.sub(r"\1\\_", p)
                           for p in parts)


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _escape_fitted_names, priority=100)
