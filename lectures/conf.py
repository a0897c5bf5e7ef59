"""Sphinx settings of the lecture site (`course lectures build` runs Sphinx on this folder).

The site must work offline and must not ship reference code: MathJax is served from the site
itself, no page sources or notebooks are copied into it, and a cell that fails stops the build
(a traceback would print the reference's source lines).
"""

project = "Deep Learning Foundations: lectures"
author = "The course team"
copyright = "the course team"

extensions = ["myst_nb", "sphinx_design", "sphinx-mathjax-offline"]  # the last bundles MathJax 3
exclude_patterns = ["README.md", "_build"]
root_doc = "index"

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

nb_execution_mode = "force"
nb_execution_timeout = 120
nb_execution_raise_on_error = True
nb_merge_streams = True

html_theme = "sphinx_book_theme"
html_title = "Deep Learning Foundations"
html_copy_source = False  # no _sources/ copies of the pages (they import the references)
html_show_sourcelink = False
html_theme_options = {
    "use_download_button": False,  # it would offer the page's source
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
